"""One JSON line per event on the console (the serial port on a device; the host tests read them)."""
import json


def event(_event, **fields):
    fields['event'] = _event
    try:
        line = json.dumps(fields)
    except (TypeError, ValueError):
        line = json.dumps({'event': _event, 'fields': repr(fields)})
    print(line)
