"""
Uplink payloads in the batch format connectors/mqtt-source accepts
(source-kit/payload.ts):
  {"ts": <epoch ms>, "readings": {"<metric>": value}, "kinds": {...}, "units": {...}}
one timestamp per payload. Pure: no I/O.
"""
import json
import math

KINDS = ('energy', 'additive', 'non_additive')


class Sample:
    """Values read at one time: `values` {metric: number}; `kinds`, `units` {metric: str}."""

    def __init__(self, values, kinds=None, units=None, ticks=None, ts=None):
        self.values = values
        self.kinds = kinds or {}
        self.units = units or {}
        self.ticks = ticks
        self.ts = ts


def usable(value):
    """A measurement the platform takes: a finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _payload(ts, metrics, sample):
    body = {'ts': ts, 'readings': dict((m, sample.values[m]) for m in metrics)}
    kinds = dict((m, sample.kinds[m]) for m in metrics if sample.kinds.get(m) in KINDS)
    units = dict((m, sample.units[m]) for m in metrics if sample.units.get(m))
    if kinds:
        body['kinds'] = kinds
    if units:
        body['units'] = units
    return json.dumps(body).encode()


def batch_payloads(sample, max_bytes):
    """
    The payloads of a stamped sample, each at most max_bytes (metrics split
    across several payloads with the same ts when they do not fit one), and
    the metrics left out: values that are not finite numbers, or a metric too
    long for a payload on its own. Returns (payloads, skipped).
    """
    if sample.ts is None:
        raise ValueError('a sample is published only once stamped: the clock was not set when it was read')
    metrics = [m for m in sorted(sample.values) if usable(sample.values[m])]
    skipped = [m for m in sorted(sample.values) if not usable(sample.values[m])]
    payloads = []
    current = []
    for metric in metrics:
        if len(_payload(sample.ts, current + [metric], sample)) <= max_bytes:
            current.append(metric)
            continue
        if current:
            payloads.append(_payload(sample.ts, current, sample))
        if len(_payload(sample.ts, [metric], sample)) <= max_bytes:
            current = [metric]
        else:
            current = []
            skipped.append(metric)
    if current:
        payloads.append(_payload(sample.ts, current, sample))
    return payloads, skipped
