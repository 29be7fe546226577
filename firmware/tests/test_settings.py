import json

from fleetnode.settings import SettingsError, parse_settings
from support import eq, raises, true

MINIMAL = {'wifi': {'ssid': 'lan', 'password': 'pw'}, 'mqtt': {'url': 'mqtts://b:8883', 'username': 'acme/p1/n1', 'password': 'x', 'ca_file': 'ca.crt'}}


def settings(**changes):
    given = json.loads(json.dumps(MINIMAL))
    given.update(changes)
    return json.dumps(given)


def test_defaults_fill_what_is_not_given():
    s = parse_settings(settings())
    eq((s['interval_s'], s['mqtt']['keepalive_s'], s['buffer']['slots'], s['topic_root']), (60, 60, 512, 'fleet/{tenant}/{site}/{device}'))


def test_mistakes_are_named():
    true('intervall' in str(raises(SettingsError, parse_settings, settings(intervall=5))))
    true('mqtt.ca_file' in str(raises(SettingsError, parse_settings, settings(mqtt={'url': 'mqtts://b', 'username': 'a/b/c', 'password': 'x'}))))
    true('username' in str(raises(SettingsError, parse_settings, settings(mqtt={'url': 'mqtt://b', 'username': 'abc', 'password': 'x'}))))
    true('interval_s' in str(raises(SettingsError, parse_settings, settings(interval_s=0))))
    true('driver' in str(raises(SettingsError, parse_settings, settings(sensors=[{'driver': 'bme280'}]))))
    true('wifi.ssid' in str(raises(SettingsError, parse_settings, settings(wifi={}))))
    eq(parse_settings(settings(mqtt={'url': 'mqtt://b', 'username': 'a/b/c', 'password': 'x'}))['mqtt']['ca_file'], None)


def test_the_example_in_the_readme_is_valid():
    folder = __file__.rsplit('/', 2)[0]  # firmware/, beside tests/
    with open(folder + '/settings.example.json') as f:
        s = parse_settings(f.read())
    eq([spec['driver'] for spec in s['sensors']], ['ds18b20', 'pulse'])
