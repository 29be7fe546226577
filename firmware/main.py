# The node's program: reads settings.json and runs the loop (fleetnode/node.py). A crash resets the board after a pause.
import time

from fleetnode import log
from fleetnode.node import main

try:
    main()
except KeyboardInterrupt:
    raise
except Exception as error:
    log.event('crashed', error='%s: %s' % (type(error).__name__, error))
    time.sleep_ms(10000)
    import machine
    machine.reset()
