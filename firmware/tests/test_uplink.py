import time

from fleetnode.ring import FlashRing
from fleetnode.uplink import Uplink
from support import ScratchDir, eq, raises


class Broker:
    def __init__(self):
        self.got = []
        self.down = False

    def publish(self, payload):
        if self.down:
            raise OSError(104, 'gone')
        self.got.append(payload)


def test_sends_straight_when_connected_and_nothing_waits():
    with ScratchDir() as d:
        uplink, broker = Uplink(FlashRing(d.path('r'), 10, 32), 5), Broker()
        uplink.submit([b'a', b'b'], broker.publish)
        eq((broker.got, uplink.backlog), ([b'a', b'b'], 0))


def test_offline_readings_are_buffered_and_new_ones_queue_behind_the_backlog():
    with ScratchDir() as d:
        uplink, broker = Uplink(FlashRing(d.path('r'), 10, 32), 5), Broker()
        uplink.submit([b'1'], None)
        uplink.submit([b'2'], broker.publish)
        eq((broker.got, uplink.backlog), ([], 2))
        now = time.ticks_ms()
        uplink.drain(broker.publish, now=now)
        uplink.drain(broker.publish, now=time.ticks_add(now, 1000))
        eq(broker.got, [b'1', b'2'])


def test_a_publish_that_fails_keeps_that_payload_and_the_rest():
    with ScratchDir() as d:
        uplink, broker = Uplink(FlashRing(d.path('r'), 10, 32), 5), Broker()
        broker.down = True
        raises(OSError, uplink.submit, [b'a', b'b'], broker.publish)
        eq(uplink.ring.records(), [b'a', b'b'])
        raises(OSError, uplink.drain, broker.publish, time.ticks_add(time.ticks_ms(), 1000))
        eq(uplink.ring.records(), [b'a', b'b'])


def test_the_backlog_drains_oldest_first_at_the_rate_without_bursting_after_a_quiet_spell():
    with ScratchDir() as d:
        uplink, broker = Uplink(FlashRing(d.path('r'), 100, 32), 10), Broker()
        for i in range(30):
            uplink.submit([b'%02d' % i], None)
        start = time.ticks_ms()
        eq(uplink.drain(broker.publish, now=start), 1)
        eq(uplink.drain(broker.publish, now=time.ticks_add(start, 500)), 5)
        # an hour later: one second's worth, not an hour's
        eq(uplink.drain(broker.publish, now=time.ticks_add(start, 3600500)), 10)
        eq(broker.got, [b'%02d' % i for i in range(16)])
        eq(uplink.backlog, 14)
