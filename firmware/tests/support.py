"""Assertions and scratch directories for the firmware's tests (CPython and MicroPython alike)."""
import os
import time

_counter = [0]


class AssertionFailed(Exception):
    pass


def eq(actual, expected, what=''):
    if actual != expected:
        raise AssertionFailed('%sexpected %r, got %r' % (what + ': ' if what else '', expected, actual))


def true(value, what='expected true'):
    if not value:
        raise AssertionFailed(what)


def raises(kind, fn, *args, **kwargs):
    """Calls fn; fails unless it raised `kind`. Returns the exception."""
    try:
        fn(*args, **kwargs)
    except kind as error:
        return error
    raise AssertionFailed('expected %s' % kind.__name__)


def _remove_tree(path):
    for entry in os.listdir(path):
        full = path + '/' + entry
        if os.stat(full)[0] & 0x4000:
            _remove_tree(full)
        else:
            os.remove(full)
    os.rmdir(path)


class ScratchDir:
    """A fresh directory under /tmp, removed on exit: `with ScratchDir() as d: ... d.path('file')`."""

    def __init__(self):
        _counter[0] += 1
        self.root = '/tmp/fleetnode-test-%d-%d' % (time.ticks_ms(), _counter[0])

    def __enter__(self):
        os.mkdir(self.root)
        return self

    def __exit__(self, *exc):
        _remove_tree(self.root)
        return False

    def path(self, name):
        return self.root + '/' + name

    def listdir(self):
        return sorted(os.listdir(self.root))
