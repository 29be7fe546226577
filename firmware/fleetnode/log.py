"""One JSON line per event on the console (the serial port on a device; the host tests read them)."""
import json


def event(name, **fields):
    fields['event'] = name
    try:
        line = json.dumps(fields)
    except (TypeError, ValueError):
        line = json.dumps({'event': name, 'fields': repr(fields)})
    print(line)
