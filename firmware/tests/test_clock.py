import time

from fleetnode.clock import Clock
from support import eq, true


class Ntp:
    def __init__(self, answers):
        self.answers = answers
        self.calls = 0

    def settime(self):
        self.calls += 1
        if not self.answers:
            raise OSError(110, 'timeout')


def test_no_time_until_ntp_answered_then_past_ticks_get_their_time():
    ntp = Ntp(False)
    clock = Clock(ntp, now_ms=lambda: 1700000000000, retry_ms=60000)
    read_at = time.ticks_add(time.ticks_ms(), -2500)
    eq((clock.now_ms(), clock.ms_at(read_at)), (None, None))
    eq(clock.sync(), False)
    eq(clock.sync_due(), False)
    ntp.answers = True
    eq(clock.sync(), True)
    eq(clock.now_ms(), 1700000000000)
    at = clock.ms_at(read_at)
    true(1699999997400 <= at <= 1699999997500, 'stamped %d' % at)
