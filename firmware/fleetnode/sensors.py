"""
Sensor drivers behind one small interface: `describe()` lists the metrics a
driver gives as (metric, kind, unit), `read()` returns {metric: value} for
what it could read now (a faulty probe is left out and counted in `errors`).
Hardware modules are imported when a driver is made, so the rest of the
firmware imports without them. Specs come from the settings or the
platform's configuration: {"driver": "ds18b20"|"pulse"|"simulated", ...}.
"""
import time

from .topics import segment_problem


class Driver:
    kind = 'driver'

    def __init__(self):
        self.errors = 0

    def describe(self):
        return []

    def read(self):
        return {}

    def close(self):
        pass


class SimulatedDriver(Driver):
    """A gauge wandering around `base` and a counter rising by one each read (energy): for benches and tests."""

    kind = 'simulated'

    def __init__(self, prefix='', base=21.0, seed=1):
        Driver.__init__(self)
        self.gauge_metric = prefix + 'temperature'
        self.counter_metric = prefix + 'counter'
        self._level = base
        self._state = seed or 1
        self._counter = 0

    def _random(self):
        # xorshift32: the same sequence on every port, no `random` module needed
        x = self._state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self._state = x
        return x / 4294967296

    def describe(self):
        return [(self.gauge_metric, 'non_additive', 'degC'), (self.counter_metric, 'energy', None)]

    def read(self):
        self._level += self._random() - 0.5
        self._counter += 1
        return {self.gauge_metric: round(self._level, 2), self.counter_metric: self._counter}


class DS18B20Driver(Driver):
    """DS18B20 probes on one 1-Wire pin; one probe gives `metric`, several `metric_<last 4 hex of the ROM>` unless `names` maps them."""

    kind = 'ds18b20'
    CONVERSION_MS = 750  # 12-bit resolution, datasheet maximum

    def __init__(self, pin, metric='temperature', names=None):
        Driver.__init__(self)
        import machine
        import onewire
        import ds18x20
        self._sensor = ds18x20.DS18X20(onewire.OneWire(machine.Pin(pin)))
        self.metric = metric
        self.names = names or {}
        self._roms = []
        self._scan()

    def _scan(self):
        self._roms = list(self._sensor.scan())

    def _metric_of(self, rom):
        key = ''.join('%02x' % b for b in rom)
        if key in self.names:
            return self.names[key]
        if len(self._roms) == 1:
            return self.metric
        return '%s_%s' % (self.metric, key[-4:])

    def describe(self):
        return [(self._metric_of(rom), 'non_additive', 'degC') for rom in self._roms]

    def read(self):
        if not self._roms:
            self._scan()
            if not self._roms:
                self.errors += 1
                return {}
        try:
            self._sensor.convert_temp()
        except Exception:
            self.errors += 1
            return {}
        time.sleep_ms(self.CONVERSION_MS)
        values = {}
        for rom in self._roms:
            try:
                values[self._metric_of(rom)] = round(self._sensor.read_temp(rom), 2)
            except Exception:
                self.errors += 1
        return values


class PulseCounterDriver(Driver):
    """Pulses on a pin, counted by its IRQ: `metric` gets the pulses since the last read (additive), `total_metric` the running total (energy)."""

    kind = 'pulse'

    def __init__(self, pin, metric='pulses', total_metric=None, edge='falling', pull='up', unit=None):
        Driver.__init__(self)
        import machine
        self._machine = machine
        pulls = {'up': machine.Pin.PULL_UP, 'down': machine.Pin.PULL_DOWN, 'none': None}
        edges = {'falling': machine.Pin.IRQ_FALLING, 'rising': machine.Pin.IRQ_RISING}
        if pull not in pulls:
            raise ValueError('pulse pull "%s" must be up, down or none' % pull)
        if edge not in edges:
            raise ValueError('pulse edge "%s" must be falling or rising' % edge)
        self.metric = metric
        self.total_metric = total_metric
        self.unit = unit
        self._count = 0
        self._total = 0
        self._pin = machine.Pin(pin, machine.Pin.IN, pulls[pull])
        self._pin.irq(trigger=edges[edge], handler=self._on_pulse)

    def _on_pulse(self, pin):
        self._count += 1

    def close(self):
        self._pin.irq(handler=None)

    def describe(self):
        out = [(self.metric, 'additive', self.unit)]
        if self.total_metric:
            out.append((self.total_metric, 'energy', self.unit))
        return out

    def read(self):
        state = self._machine.disable_irq()
        count = self._count
        self._count = 0
        self._machine.enable_irq(state)
        self._total += count
        values = {self.metric: count}
        if self.total_metric:
            values[self.total_metric] = self._total
        return values


def _metric_name(spec, key, default):
    name = spec.get(key, default)
    if name is None:
        return None
    if not isinstance(name, str) or segment_problem('metric', name):
        raise ValueError('sensor %s: %s must be a metric name (letters, digits, _ . : - ~ @)' % (spec.get('driver'), key))
    return name


def check_spec(spec):
    """ValueError saying what is wrong with a driver spec; returns the driver's constructor arguments."""
    if not isinstance(spec, dict):
        raise ValueError('a sensor must be an object {"driver": ...}')
    driver = spec.get('driver')
    allowed = {'simulated': ('prefix', 'base', 'seed'), 'ds18b20': ('pin', 'metric', 'names'), 'pulse': ('pin', 'metric', 'total_metric', 'edge', 'pull', 'unit')}
    if driver not in allowed:
        raise ValueError('sensor driver "%s" is not one of %s' % (driver, ', '.join(sorted(allowed))))
    unknown = [k for k in spec if k != 'driver' and k not in allowed[driver]]
    if unknown:
        raise ValueError('sensor %s: unknown keys %s' % (driver, ', '.join(sorted(unknown))))
    if driver != 'simulated' and (isinstance(spec.get('pin'), bool) or not isinstance(spec.get('pin'), int)):
        raise ValueError('sensor %s needs "pin", a GPIO number' % driver)
    if driver == 'simulated':
        prefix = spec.get('prefix', '')
        if not isinstance(prefix, str) or (prefix and segment_problem('prefix', prefix)):
            raise ValueError('sensor simulated: prefix must be metric name characters (letters, digits, _ . : - ~ @)')
        return {'prefix': prefix, 'base': float(spec.get('base', 21.0)), 'seed': int(spec.get('seed', 1))}
    if driver == 'ds18b20':
        names = spec.get('names', {})
        if not isinstance(names, dict):
            raise ValueError('sensor ds18b20: names must map ROM hex to metric names')
        for rom in names:
            _metric_name({'driver': driver, 'names.' + rom: names[rom]}, 'names.' + rom, None)
        return {'pin': spec['pin'], 'metric': _metric_name(spec, 'metric', 'temperature'), 'names': names}
    return {'pin': spec['pin'], 'metric': _metric_name(spec, 'metric', 'pulses'), 'total_metric': _metric_name(spec, 'total_metric', None),
            'edge': spec.get('edge', 'falling'), 'pull': spec.get('pull', 'up'), 'unit': spec.get('unit')}


DRIVERS = {'simulated': SimulatedDriver, 'ds18b20': DS18B20Driver, 'pulse': PulseCounterDriver}


def make_drivers(specs):
    """The drivers of a list of specs (ValueError for a bad one)."""
    return [DRIVERS[spec['driver']](**check_spec(spec)) for spec in specs]


def read_all(drivers):
    """One sample's (values, kinds, units) over every driver; a driver that raises is skipped and counted."""
    values, kinds, units = {}, {}, {}
    for driver in drivers:
        try:
            for metric, kind, unit in driver.describe():
                kinds[metric] = kind
                if unit:
                    units[metric] = unit
            values.update(driver.read())
        except Exception:
            driver.errors += 1
    return values, kinds, units
