"""
MicroPython's time additions (ticks_ms, ticks_add, ticks_diff, sleep_ms,
sleep_us) put into CPython's `time`, wrapping at 2**30 as on the ports so
that code comparing ticks any other way than ticks_diff fails here too.
Does nothing under MicroPython.
"""
import time

PERIOD = 1 << 30
HALF = PERIOD >> 1
# start near the wrap, so a run of a few minutes crosses it
_offset = PERIOD - 120000


def ticks_ms():
    return (int(time.monotonic() * 1000) + _offset) % PERIOD


def ticks_us():
    return (int(time.monotonic() * 1000000) + _offset * 1000) % PERIOD


def ticks_add(ticks, delta):
    return (ticks + delta) % PERIOD


def ticks_diff(a, b):
    return ((a - b + HALF) % PERIOD) - HALF


def sleep_ms(ms):
    time.sleep(ms / 1000)


def sleep_us(us):
    time.sleep(us / 1000000)


def install():
    if hasattr(time, 'ticks_ms'):
        return
    for name, fn in (('ticks_ms', ticks_ms), ('ticks_us', ticks_us), ('ticks_add', ticks_add), ('ticks_diff', ticks_diff), ('sleep_ms', sleep_ms), ('sleep_us', sleep_us)):
        setattr(time, name, fn)
