import machine
import ds18x20

from fleetnode.sensors import DS18B20Driver, check_spec, make_drivers, read_all
from support import eq, raises, true


def test_the_simulated_driver_is_deterministic_and_its_counter_rises():
    a, b = make_drivers([{'driver': 'simulated', 'seed': 7}, {'driver': 'simulated', 'seed': 7}])
    first, second = a.read(), a.read()
    eq(b.read(), first)
    eq((first['counter'], second['counter']), (1, 2))
    eq(a.describe(), [('temperature', 'non_additive', 'degC'), ('counter', 'energy', None)])


def test_the_pulse_counter_gives_pulses_since_the_last_read_and_a_total():
    driver = make_drivers([{'driver': 'pulse', 'pin': 14, 'metric': 'litres', 'total_metric': 'litres_total', 'unit': 'L'}])[0]
    machine.pin(14).pulse(5)
    eq(driver.read(), {'litres': 5, 'litres_total': 5})
    machine.pin(14).pulse(2)
    eq(driver.read(), {'litres': 2, 'litres_total': 7})
    eq(driver.read(), {'litres': 0, 'litres_total': 7})
    driver.close()
    machine.pin(14).pulse(3)
    eq(driver.read(), {'litres': 0, 'litres_total': 7})


def test_ds18b20_probes_named_by_rom_and_a_failing_one_counted():
    ds18x20.probes.clear()
    ds18x20.probes.update({'28ff0000000000a1': 21.5, '28ff0000000000b2': 19.25})
    DS18B20Driver.CONVERSION_MS = 0
    driver = make_drivers([{'driver': 'ds18b20', 'pin': 4, 'names': {'28ff0000000000a1': 'inlet'}}])[0]
    eq(driver.read(), {'inlet': 21.5, 'temperature_00b2': 19.25})
    ds18x20.probes['28ff0000000000b2'] = None
    eq(driver.read(), {'inlet': 21.5})
    eq(driver.errors, 1)
    values, kinds, units = read_all([driver])
    eq((values, kinds['inlet'], units['inlet']), ({'inlet': 21.5}, 'non_additive', 'degC'))
    ds18x20.probes.clear()


def test_specs_are_checked():
    true('pin' in str(raises(ValueError, check_spec, {'driver': 'pulse'})))
    true('unknown keys' in str(raises(ValueError, check_spec, {'driver': 'simulated', 'pins': 3})))
    raises(ValueError, check_spec, {'driver': 'pulse', 'pin': 3, 'metric': 'bad/name'})
    raises(ValueError, check_spec, {'driver': 'ds18b20', 'pin': True})
