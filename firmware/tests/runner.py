"""
The firmware's test runner, the same under CPython and MicroPython (which has
no unittest or pytest): every `test_*` function of the given modules, each
reported on a line, then a closing line `N passed, N failed`.
"""
import sys


def _print_exception(error):
    if hasattr(sys, 'print_exception'):
        sys.print_exception(error)
    else:
        import traceback
        traceback.print_exception(type(error), error, error.__traceback__)


def run(module_names):
    passed = 0
    failed = []
    for name in module_names:
        module = __import__(name)
        for attr in sorted(dir(module)):
            test = getattr(module, attr)
            if not attr.startswith('test_') or not callable(test):
                continue
            try:
                test()
                passed += 1
                print('ok   %s.%s' % (name, attr))
            except Exception as error:
                failed.append('%s.%s' % (name, attr))
                print('FAIL %s.%s: %s: %s' % (name, attr, type(error).__name__, error))
                _print_exception(error)
    print('%d passed, %d failed' % (passed, len(failed)))
    return passed, failed
