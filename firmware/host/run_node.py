"""
Runs the firmware on the host, as boot.py and main.py run on a device: the
real fleetnode modules over CPython's sockets, with this folder's stand-ins
for the hardware. The flash is a directory:

    python3 -u firmware/host/run_node.py <flash dir>

The flash dir holds settings.json (and the CA file it names); the node keeps
its ring, state and kept command ids there. Lines on stdin drive the
stand-ins, as a test does:
    {"network": "down"} / {"network": "up"}     the WiFi link
    {"ntp": "down"} / {"ntp": "up"}             whether NTP answers
    {"pulses": {"pin": 5, "count": 3}}          edges on a pin
    {"ds18b20": {"28ff...": 21.5}}              the 1-Wire probes and their readings
HOST_NTP=down in the environment starts with NTP not answering.
"""
import faulthandler
import json
import os
import signal
import sys
import threading

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.dirname(here)]

import ticks  # noqa: E402

ticks.install()

import ds18x20  # noqa: E402
import machine  # noqa: E402
import network  # noqa: E402
import ntptime  # noqa: E402


def control(line):
    command = json.loads(line)
    if 'network' in command:
        network.set_link(command['network'] == 'up')
    if 'ntp' in command:
        ntptime.set_reachable(command['ntp'] == 'up')
    if 'pulses' in command:
        machine.pin(command['pulses']['pin']).pulse(command['pulses'].get('count', 1))
    if 'ds18b20' in command:
        ds18x20.probes.clear()
        ds18x20.probes.update(command['ds18b20'])
    print(json.dumps({'event': 'host_control', 'applied': command}), flush=True)


def read_controls():
    for line in sys.stdin:
        if line.strip():
            try:
                control(line)
            except Exception as error:
                print(json.dumps({'event': 'host_control_failed', 'line': line.strip(), 'error': str(error)}), flush=True)


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: run_node.py <flash dir>')
    os.chdir(sys.argv[1])
    # `kill -USR1 <pid>` prints every thread's stack: where a stuck node is stuck
    faulthandler.register(signal.SIGUSR1)
    if os.environ.get('HOST_NTP') == 'down':
        ntptime.set_reachable(False)
    threading.Thread(target=read_controls, daemon=True).start()
    import boot  # noqa: F401
    import main as firmware_main  # noqa: F401


if __name__ == '__main__':
    main()
