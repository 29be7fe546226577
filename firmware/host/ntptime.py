"""Host stand-in for MicroPython's `ntptime`: the host's clock is right already; a test can make the sync fail."""
host = 'pool.ntp.org'
timeout = 1
_reachable = {'ok': True}


def set_reachable(ok):
    """The stand-in's own: whether the NTP server answers."""
    _reachable['ok'] = bool(ok)


def settime():
    if not _reachable['ok']:
        raise OSError(110, 'no answer from NTP server %s' % host)


def time():
    import time as t
    return int(t.time())
