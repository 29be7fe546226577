"""
A small MQTT 3.1.1 client: CONNECT with credentials, a will and a keepalive;
PUBLISH at QoS 0 and 1 (a QoS 1 publish waits for its PUBACK and is sent
again with DUP set when none comes); SUBSCRIBE; PINGREQ when idle. One
thread: messages that arrive while a publish waits are kept and handed to
`on_message` by the next `poll()`, whose PUBACK goes out only after the
handler returned, so a message whose handling was cut short comes again.
"""
import time

from . import mqtt_packets as packets
from .transport import open_stream


class MQTTError(OSError):
    """The session is unusable (refused, timed out, broken): reconnect."""


class MQTTClient:
    def __init__(self, client_id, host, port, username=None, password=None, keepalive_s=60,
                 tls=False, ca_file=None, clean_session=True, ack_timeout_ms=5000, retries=3,
                 connect=open_stream):
        self.client_id = client_id
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.keepalive_s = keepalive_s
        self.tls = tls
        self.ca_file = ca_file
        self.clean_session = clean_session
        self.ack_timeout_ms = ack_timeout_ms
        self.retries = retries
        self._open = connect
        self._will = None
        self._stream = None
        self._reader = None
        self._next_id = 0
        self._inbox = []
        self._acks = {}
        self._last_sent = 0
        self._ping_sent = None
        self.on_message = None

    def set_last_will(self, topic, payload, retain=False, qos=0):
        self._will = (topic, _bytes(payload), qos, retain)

    @property
    def connected(self):
        return self._stream is not None

    def connect(self, timeout_ms=10000):
        """Opens the session; returns whether the broker kept one. MQTTError when refused."""
        self.close()
        self._stream = self._open(self.host, self.port, self.tls, self.ca_file)
        self._reader = packets.PacketReader()
        self._inbox = []
        self._acks = {}
        self._ping_sent = None
        try:
            self._send(packets.connect(self.client_id, self.keepalive_s, self.username, self.password, self._will, self.clean_session))
            packet = self._wait(lambda p: p.kind == packets.CONNACK, timeout_ms, 'CONNACK')
            session_present, code = packets.parse_connack(packet)
            if code != 0:
                raise MQTTError(code, 'broker refused the connection: %s' % packets.CONNACK_REFUSALS.get(code, 'code %d' % code))
            return session_present
        except Exception:
            self.close()
            raise

    def publish(self, topic, payload, qos=0, retain=False):
        """QoS 1: returns once the broker acknowledged it; MQTTError after `retries` sends without one."""
        payload = _bytes(payload)
        if qos == 0:
            self._send(packets.publish(topic, payload, 0, retain))
            return
        packet_id = self._packet_id()
        for attempt in range(self.retries):
            self._send(packets.publish(topic, payload, 1, retain, packet_id, dup=attempt > 0))
            if self._wait_ack(packets.PUBACK, packet_id):
                return
        self.close()
        raise MQTTError(110, 'no PUBACK for %s after %d sends' % (topic, self.retries))

    def subscribe(self, filters):
        """`filters`: [(filter, qos)]. MQTTError when the broker refuses one."""
        packet_id = self._packet_id()
        self._send(packets.subscribe(packet_id, filters))
        codes = self._wait_ack(packets.SUBACK, packet_id)
        if codes is None:
            self.close()
            raise MQTTError(110, 'no SUBACK for %s' % [f for f, _ in filters])
        refused = [f for (f, _), code in zip(filters, codes) if code == 0x80]
        if refused:
            raise MQTTError(13, 'broker refused the subscription to %s' % refused)

    def poll(self, wait_ms=0):
        """Reads what arrived (waiting up to wait_ms), hands messages to on_message, pings when idle."""
        self._receive(wait_ms)
        while self._inbox:
            message = self._inbox.pop(0)
            if self.on_message:
                self.on_message(message)
            if message.qos == 1 and self._stream is not None:
                self._send(packets.puback(message.packet_id))
        self._keepalive()

    def disconnect(self):
        if self._stream is not None:
            try:
                self._send(packets.disconnect())
            except OSError:
                pass
        self.close()

    def close(self):
        """Drops the connection without DISCONNECT: the broker publishes the will."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None

    # --- internals

    def _packet_id(self):
        self._next_id = self._next_id % 0xFFFF + 1
        return self._next_id

    def _send(self, data):
        if self._stream is None:
            raise MQTTError(107, 'not connected')
        try:
            self._stream.write(data)
        except OSError:
            self.close()
            raise
        self._last_sent = time.ticks_ms()

    def _keepalive(self):
        if not self.keepalive_s or self._stream is None:
            return
        now = time.ticks_ms()
        if self._ping_sent is not None:
            if time.ticks_diff(now, self._ping_sent) > self.ack_timeout_ms:
                self.close()
                raise MQTTError(110, 'no PINGRESP within %d ms' % self.ack_timeout_ms)
        elif time.ticks_diff(now, self._last_sent) >= self.keepalive_s * 500:
            # half the keepalive: a ping late by a busy loop still lands inside it
            self._send(packets.pingreq())
            self._ping_sent = now

    def _receive(self, wait_ms):
        """Reads once (up to wait_ms) and files every whole packet; returns whether any came."""
        if self._stream is None:
            raise MQTTError(107, 'not connected')
        try:
            data = self._stream.read_some(wait_ms)
        except OSError:
            self.close()
            raise
        if data is None:
            return False
        self._reader.feed(data)
        while True:
            try:
                packet = self._reader.next()
            except packets.ProtocolError as error:
                self.close()
                raise MQTTError(71, 'protocol error: %s' % error)
            if packet is None:
                return True
            self._file(packet)

    def _file(self, packet):
        if packet.kind == packets.PUBLISH:
            message = packets.parse_publish(packet)
            if message.qos == 2:
                return  # never subscribed at QoS 2
            self._inbox.append(message)
        elif packet.kind == packets.PUBACK:
            self._acks[(packets.PUBACK, packets.parse_packet_id(packet))] = True
        elif packet.kind == packets.SUBACK:
            packet_id, codes = packets.parse_suback(packet)
            self._acks[(packets.SUBACK, packet_id)] = codes
        elif packet.kind == packets.PINGRESP:
            self._ping_sent = None
        else:
            self._acks[('other', packet.kind)] = packet

    def _wait_ack(self, kind, packet_id):
        key = (kind, packet_id)
        deadline = time.ticks_add(time.ticks_ms(), self.ack_timeout_ms)
        while key not in self._acks:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                return None
            self._receive(min(left, 200))
        return self._acks.pop(key)

    def _wait(self, matches, timeout_ms, what):
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        while True:
            for key in list(self._acks):
                packet = self._acks[key]
                if key[0] == 'other' and matches(packet):
                    del self._acks[key]
                    return packet
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                self.close()
                raise MQTTError(110, 'no %s within %d ms' % (what, timeout_ms))
            self._receive(min(left, 200))


def _bytes(payload):
    if isinstance(payload, str):
        return payload.encode()
    return bytes(payload)
