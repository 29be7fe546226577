"""
Runs every firmware unit test: `python3 firmware/tests/run_all.py` on the host
(exit status 1 when one failed); under MicroPython, put firmware/,
firmware/host/ and firmware/tests/ on sys.path and call main().
"""
import sys

MODULES = [
    'test_mqtt_packets',
    'test_mqtt_client',
    'test_transport',
    'test_topics',
    'test_ring',
    'test_batch',
    'test_uplink',
    'test_commands',
    'test_shadow',
    'test_config_apply',
    'test_settings',
    'test_clock',
    'test_sensors',
]


def main():
    import runner
    return runner.run(MODULES)


if __name__ == '__main__':
    import os
    tests = os.path.dirname(os.path.abspath(__file__))
    firmware = os.path.dirname(tests)
    sys.path[:0] = [tests, firmware, os.path.join(firmware, 'host')]
    import ticks
    ticks.install()
    passed, failed = main()
    sys.exit(1 if failed else 0)
