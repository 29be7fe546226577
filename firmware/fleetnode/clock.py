"""
Wall time from NTP. Until a sync succeeded in this boot the clock is unset and
nothing gets a timestamp; a sample read before that is stamped afterwards
from the ticks it was read at (ticks run from boot, unaffected by the RTC).
"""
import time

# MicroPython's bare-metal ports count from 2000-01-01, the unix and wasm ports from 1970
EPOCH_OFFSET_MS = 946684800000 if time.gmtime(0)[0] == 2000 else 0


def wall_ms():
    return time.time_ns() // 1000000 + EPOCH_OFFSET_MS


class Clock:
    def __init__(self, ntp, resync_ms=3600000, retry_ms=30000, now_ms=wall_ms):
        self._ntp = ntp
        self._resync_ms = resync_ms
        self._retry_ms = retry_ms
        self._now_ms = now_ms
        self.is_set = False
        self._next_sync = time.ticks_ms()

    def sync_due(self):
        return time.ticks_diff(time.ticks_ms(), self._next_sync) >= 0

    def sync(self):
        """Sets the RTC from NTP; returns whether it worked."""
        try:
            self._ntp.settime()
        except Exception:
            self._next_sync = time.ticks_add(time.ticks_ms(), self._retry_ms)
            return False
        self.is_set = True
        self._next_sync = time.ticks_add(time.ticks_ms(), self._resync_ms)
        return True

    def now_ms(self):
        """Epoch milliseconds, or None while unset."""
        return self._now_ms() if self.is_set else None

    def ms_at(self, ticks):
        """The epoch milliseconds of a ticks_ms reading from this boot, or None while unset."""
        now = self.now_ms()
        if now is None:
            return None
        return now - time.ticks_diff(time.ticks_ms(), ticks)
