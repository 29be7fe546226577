"""
MQTT 3.1.1 packets (OASIS mqtt-v3.1.1, section 2-3): the encoders of what a
client sends and an incremental reader of what the broker sends. Pure: no I/O.

Every packet is a fixed header (type << 4 | flags, then the remaining length
as a base-128 varint of at most 4 bytes) and a body; strings are a 2-byte
big-endian length and UTF-8 bytes. QoS 2 is never asked for, so PUBREC and
friends are not spoken.
"""
import struct

CONNECT = 1
CONNACK = 2
PUBLISH = 3
PUBACK = 4
SUBSCRIBE = 8
SUBACK = 9
PINGREQ = 12
PINGRESP = 13
DISCONNECT = 14

CONNACK_REFUSALS = {
    1: 'unacceptable protocol version',
    2: 'client identifier rejected',
    3: 'server unavailable',
    4: 'bad user name or password',
    5: 'not authorized',
}

MAX_REMAINING = 268435455


class ProtocolError(Exception):
    pass


def _varint(n):
    if n < 0 or n > MAX_REMAINING:
        raise ProtocolError('remaining length %d out of range' % n)
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _text(s):
    data = s.encode() if isinstance(s, str) else bytes(s)
    if len(data) > 0xFFFF:
        raise ProtocolError('string of %d bytes is too long for MQTT' % len(data))
    return struct.pack('>H', len(data)) + data


def _packet(first_byte, body):
    return bytes([first_byte]) + _varint(len(body)) + body


def connect(client_id, keepalive_s, username=None, password=None, will=None, clean_session=True):
    """`will`: (topic, payload bytes, qos, retain) or None."""
    flags = 0x02 if clean_session else 0
    payload = _text(client_id)
    if will is not None:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        payload += _text(topic) + _text(message)
    if username is not None:
        flags |= 0x80
        payload += _text(username)
    if password is not None:
        flags |= 0x40
        payload += _text(password)
    body = _text('MQTT') + bytes([4, flags]) + struct.pack('>H', keepalive_s) + payload
    return _packet(CONNECT << 4, body)


def publish(topic, payload, qos=0, retain=False, packet_id=0, dup=False):
    first = (PUBLISH << 4) | (0x08 if dup else 0) | (qos << 1) | (1 if retain else 0)
    body = _text(topic)
    if qos:
        body += struct.pack('>H', packet_id)
    return _packet(first, body + bytes(payload))


def puback(packet_id):
    return _packet(PUBACK << 4, struct.pack('>H', packet_id))


def subscribe(packet_id, filters):
    """`filters`: [(topic filter, max qos)]."""
    body = struct.pack('>H', packet_id)
    for topic_filter, qos in filters:
        body += _text(topic_filter) + bytes([qos])
    return _packet((SUBSCRIBE << 4) | 0x02, body)


def pingreq():
    return bytes([PINGREQ << 4, 0])


def disconnect():
    return bytes([DISCONNECT << 4, 0])


class Packet:
    def __init__(self, kind, flags, body):
        self.kind = kind
        self.flags = flags
        self.body = body


class Message:
    """An application message the broker delivered."""

    def __init__(self, topic, payload, qos, retain, dup, packet_id):
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packet_id = packet_id


def parse_connack(packet):
    if len(packet.body) != 2:
        raise ProtocolError('CONNACK of %d bytes' % len(packet.body))
    return bool(packet.body[0] & 1), packet.body[1]


def parse_packet_id(packet):
    if len(packet.body) < 2:
        raise ProtocolError('packet type %d without a packet id' % packet.kind)
    return struct.unpack('>H', packet.body[:2])[0]


def parse_suback(packet):
    return parse_packet_id(packet), list(packet.body[2:])


def parse_publish(packet):
    body = packet.body
    qos = (packet.flags >> 1) & 3
    if qos == 3:
        raise ProtocolError('PUBLISH with QoS 3')
    if len(body) < 2:
        raise ProtocolError('PUBLISH without a topic')
    n = struct.unpack('>H', body[:2])[0]
    at = 2 + n
    if len(body) < at:
        raise ProtocolError('PUBLISH topic runs past the packet')
    topic = bytes(body[2:at]).decode()
    packet_id = 0
    if qos:
        if len(body) < at + 2:
            raise ProtocolError('PUBLISH QoS %d without a packet id' % qos)
        packet_id = struct.unpack('>H', body[at:at + 2])[0]
        at += 2
    return Message(topic, bytes(body[at:]), qos, bool(packet.flags & 1), bool(packet.flags & 8), packet_id)


class PacketReader:
    """Takes bytes as they arrive, in any split, and hands back whole packets."""

    def __init__(self, max_packet=65536):
        self._buffer = bytearray()
        self._max = max_packet

    def feed(self, data):
        self._buffer.extend(data)

    def next(self):
        """The next whole packet, or None until more bytes arrive."""
        buf = self._buffer
        if len(buf) < 2:
            return None
        length = 0
        shift = 0
        i = 1
        while True:
            if i >= len(buf):
                return None
            byte = buf[i]
            length |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
            if i > 4:
                raise ProtocolError('remaining length longer than 4 bytes')
        if length > self._max:
            raise ProtocolError('packet of %d bytes is over the limit of %d' % (length, self._max))
        if len(buf) < i + length:
            return None
        packet = Packet(buf[0] >> 4, buf[0] & 0x0F, bytes(buf[i:i + length]))
        self._buffer = buf[i + length:]
        return packet
