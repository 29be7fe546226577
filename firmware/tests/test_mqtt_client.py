"""The client's session logic over a scripted stream (the broker's side is played here; the real broker is the int tests')."""
import time

from fleetnode import mqtt_packets as p
from fleetnode.mqtt_client import MQTTClient, MQTTError
from support import eq, raises, true


class ScriptedStream:
    """Answers what the client writes with `respond(packet) -> bytes`; records what was written."""

    def __init__(self, respond):
        self.respond = respond
        self.written = []
        self.incoming = bytearray()
        self.closed = False
        self._reader = p.PacketReader()

    def write(self, data):
        self._reader.feed(data)
        while True:
            packet = self._reader.next()
            if packet is None:
                break
            self.written.append(packet)
            self.incoming.extend(self.respond(packet) or b'')

    def read_some(self, timeout_ms):
        if not self.incoming:
            time.sleep_ms(min(timeout_ms, 5))
            return None
        data = bytes(self.incoming)
        self.incoming = bytearray()
        return data

    def close(self):
        self.closed = True

    def kinds(self):
        return [x.kind for x in self.written]


def broker(puback=True, extra=b''):
    def respond(packet):
        if packet.kind == p.CONNECT:
            return bytes([0x20, 2, 0, 0])
        if packet.kind == p.SUBSCRIBE:
            return bytes([0x90, 3]) + packet.body[:2] + b'\x01'
        if packet.kind == p.PUBLISH and puback:
            return extra + p.puback(p.parse_publish(packet).packet_id)
        if packet.kind == p.PINGREQ:
            return bytes([0xD0, 0])
        return b''
    return respond


def client_on(stream, **options):
    return MQTTClient('c', 'h', 1, 'u', 'pw', connect=lambda host, port, tls, ca: stream, **options)


def test_connect_then_a_refusal_closes_with_the_reason():
    stream = ScriptedStream(broker())
    client = client_on(stream)
    eq(client.connect(), False)
    eq(stream.kinds(), [p.CONNECT])
    refused = ScriptedStream(lambda packet: bytes([0x20, 2, 0, 5]))
    error = raises(MQTTError, client_on(refused).connect)
    true('not authorized' in str(error), str(error))
    true(refused.closed)


def test_qos1_publish_is_sent_again_with_dup_until_acknowledged():
    attempts = []

    def respond(packet):
        if packet.kind == p.CONNECT:
            return bytes([0x20, 2, 0, 0])
        attempts.append(p.parse_publish(packet))
        return p.puback(attempts[-1].packet_id) if len(attempts) == 3 else b''
    client = client_on(ScriptedStream(respond), ack_timeout_ms=30, retries=3)
    client.connect()
    client.publish('t', b'x', qos=1)
    eq([a.dup for a in attempts], [False, True, True])
    eq(len(set(a.packet_id for a in attempts)), 1)


def test_qos1_publish_without_any_puback_fails_and_drops_the_session():
    stream = ScriptedStream(broker(puback=False))
    client = client_on(stream, ack_timeout_ms=20, retries=2)
    client.connect()
    raises(MQTTError, client.publish, 't', b'x', 1)
    eq(client.connected, False)


def test_messages_arriving_during_a_publish_wait_are_handed_over_by_poll_then_acknowledged():
    delivered = p.publish('fleet/a/b/c/cmd/req/1/x', b'{}', qos=1, packet_id=42)
    stream = ScriptedStream(broker(extra=delivered))
    client = client_on(stream)
    seen = []
    client.on_message = lambda m: seen.append((m.topic, [x.kind for x in stream.written]))
    client.connect()
    client.publish('t', b'x', qos=1)
    eq(seen, [])
    client.poll()
    # handed over before its PUBACK went out
    eq(seen, [('fleet/a/b/c/cmd/req/1/x', [p.CONNECT, p.PUBLISH])])
    eq(stream.kinds()[-1], p.PUBACK)
    eq(p.parse_packet_id(stream.written[-1]), 42)


def test_subscribe_refused_by_the_broker_raises():
    def respond(packet):
        if packet.kind == p.CONNECT:
            return bytes([0x20, 2, 0, 0])
        return bytes([0x90, 4]) + packet.body[:2] + b'\x01\x80'
    client = client_on(ScriptedStream(respond))
    client.connect()
    error = raises(MQTTError, client.subscribe, [('ok', 1), ('fleet/#', 1)])
    true('fleet/#' in str(error), str(error))


def test_pings_after_half_the_keepalive_idle_and_gives_up_without_pingresp():
    stream = ScriptedStream(broker())
    client = client_on(stream, keepalive_s=60)
    client.connect()
    client.poll()
    eq(stream.kinds(), [p.CONNECT])
    client._last_sent = time.ticks_add(time.ticks_ms(), -30000)
    client.poll()
    eq(stream.kinds()[-1], p.PINGREQ)
    client.poll()
    eq(client._ping_sent, None)
    silent = ScriptedStream(lambda packet: bytes([0x20, 2, 0, 0]) if packet.kind == p.CONNECT else b'')
    client = client_on(silent, keepalive_s=60, ack_timeout_ms=20)
    client.connect()
    client._last_sent = time.ticks_add(time.ticks_ms(), -30000)
    client.poll()
    eq(silent.kinds()[-1], p.PINGREQ)
    time.sleep_ms(25)
    raises(MQTTError, client.poll)
    eq(client.connected, False)
