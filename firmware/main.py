# The node's program: reads settings.json and runs the loop (fleetnode/node.py). A crash resets the board after a pause.
import time

from fleetnode import log
from fleetnode.node import Node
from fleetnode.settings import load_settings


def start():
    node = Node(load_settings())
    # More commands: node.commands.register('<name>', handler); handler(params) returns the answer (a dict)
    # or raises fleetnode.commands.CommandFailed('why'). For example:
    #   node.commands.register('ping', lambda params: {'pong': params.get('n', 0)})
    node.run()


try:
    start()
except KeyboardInterrupt:
    raise
except Exception as error:
    log.event('crashed', error='%s: %s' % (type(error).__name__, error))
    time.sleep_ms(10000)
    import machine
    machine.reset()
