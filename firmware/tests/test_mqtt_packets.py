from fleetnode import mqtt_packets as p
from support import eq, raises


def _read_all(data, chunk=1):
    reader = p.PacketReader()
    out = []
    for i in range(0, len(data), chunk):
        reader.feed(data[i:i + chunk])
        while True:
            packet = reader.next()
            if packet is None:
                break
            out.append(packet)
    return out


def test_connect_carries_credentials_will_keepalive_and_session_flag():
    packet = p.connect('node-1', 60, 'acme/plant/node-1', 'secret', ('fleet/acme/plant/node-1/status', b'offline', 1, True), clean_session=False)
    eq(packet[0], 0x10)
    body = _read_all(packet)[0].body
    eq(body[:7], b'\x00\x04MQTT\x04')
    # username, password, will retain, will qos 1, will flag; clean session off
    eq(body[7], 0x80 | 0x40 | 0x20 | 0x08 | 0x04)
    eq(body[8:10], b'\x00\x3c')
    eq(body[10:18], b'\x00\x06node-1')
    eq(body[-8:], b'\x00\x06secret')


def test_remaining_length_is_a_varint_at_its_boundaries():
    for size, header in ((0, b'\x00'), (127, b'\x7f'), (128, b'\x80\x01'), (16383, b'\xff\x7f'), (16384, b'\x80\x80\x01')):
        payload = bytes(size - 5) if size >= 5 else b''
        packet = p.publish('abc', payload) if size >= 5 else bytes([0xC0]) + p._varint(size)
        eq(packet[1:1 + len(header)], header, 'length %d' % size)
    raises(p.ProtocolError, p._varint, p.MAX_REMAINING + 1)


def test_publish_qos1_round_trips_through_the_reader_byte_by_byte():
    packet = p.publish('fleet/a/b/c/cmd/req/1/x', b'{"params": {}}', qos=1, retain=True, packet_id=513, dup=True)
    packets = _read_all(packet + p.pingreq(), chunk=1)
    eq([x.kind for x in packets], [p.PUBLISH, p.PINGREQ])
    message = p.parse_publish(packets[0])
    eq((message.topic, message.payload, message.qos, message.retain, message.dup, message.packet_id),
       ('fleet/a/b/c/cmd/req/1/x', b'{"params": {}}', 1, True, True, 513))


def test_subscribe_and_suback():
    packet = p.subscribe(7, [('a/+', 1), ('b/#', 0)])
    eq(packet[0], 0x82)
    eq(packet[2:4], b'\x00\x07')
    suback = p.Packet(p.SUBACK, 0, b'\x00\x07\x01\x80')
    eq(p.parse_suback(suback), (7, [1, 0x80]))


def test_connack_and_malformed_packets():
    eq(p.parse_connack(p.Packet(p.CONNACK, 0, b'\x01\x00')), (True, 0))
    raises(p.ProtocolError, p.parse_connack, p.Packet(p.CONNACK, 0, b'\x00'))
    raises(p.ProtocolError, p.parse_publish, p.Packet(p.PUBLISH, 0x06, b'\x00\x01a'))
    reader = p.PacketReader(max_packet=10)
    reader.feed(p.publish('topic', bytes(20)))
    raises(p.ProtocolError, reader.next)
    reader = p.PacketReader()
    reader.feed(b'\x30\xff\xff\xff\xff\x01')
    raises(p.ProtocolError, reader.next)
