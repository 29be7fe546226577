"""
The node's own settings, `settings.json` on its flash (written when it is
provisioned, see firmware/README.md): WiFi, the broker and the device's
credentials, the CA certificate, and the defaults the platform's
configuration may change later. Unknown keys are refused, so a typo is not
silently a default.
"""
import json

from .sensors import check_spec
from .topics import DEFAULT_ROOT, device_address

DEFAULTS = {
    'wifi': {'ssid': None, 'password': None, 'hostname': None, 'retry_s': 20},
    'mqtt': {'url': None, 'username': None, 'password': None, 'ca_file': None, 'client_id': None,
             'keepalive_s': 60, 'clean_session': False, 'ack_timeout_ms': 5000},
    'topic_root': DEFAULT_ROOT,
    'ntp': {'host': 'pool.ntp.org', 'resync_s': 3600, 'retry_s': 30},
    'interval_s': 60,
    'sensors': [{'driver': 'simulated'}],
    'buffer': {'file': 'backlog.ring', 'slots': 512, 'slot_bytes': 256},
    'backlog_rate': 10,
    'max_unstamped': 64,
    'commands_kept': 32,
}

INTERVAL_RANGE = (1, 86400)
BACKLOG_RATE_RANGE = (1, 100)


class SettingsError(ValueError):
    pass


def _merge(defaults, given, where):
    out = {}
    for key in given:
        if key not in defaults:
            raise SettingsError('%s: unknown setting "%s" (known: %s)' % (where, key, ', '.join(sorted(defaults))))
    for key, default in defaults.items():
        value = given.get(key, default)
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise SettingsError('%s.%s must be an object' % (where, key))
            value = _merge(default, value, where + '.' + key)
        out[key] = value
    return out


def check_interval(value, name='interval_s'):
    if isinstance(value, bool) or not isinstance(value, int) or not INTERVAL_RANGE[0] <= value <= INTERVAL_RANGE[1]:
        raise ValueError('%s must be whole seconds from %d to %d, not %r' % (name, INTERVAL_RANGE[0], INTERVAL_RANGE[1], value))
    return value


def check_backlog_rate(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not BACKLOG_RATE_RANGE[0] <= value <= BACKLOG_RATE_RANGE[1]:
        raise ValueError('backlog_rate must be messages per second from %d to %d, not %r' % (BACKLOG_RATE_RANGE[0], BACKLOG_RATE_RANGE[1], value))
    return value


def check_sensors(specs):
    if not isinstance(specs, list):
        raise ValueError('sensors must be a list of {"driver": ...}')
    for spec in specs:
        check_spec(spec)
    return specs


def parse_settings(text):
    """The settings with their defaults; SettingsError naming the setting to fix."""
    try:
        given = json.loads(text)
    except ValueError:
        raise SettingsError('settings.json is not JSON')
    if not isinstance(given, dict):
        raise SettingsError('settings.json must be a JSON object')
    settings = _merge(DEFAULTS, given, 'settings')
    mqtt = settings['mqtt']
    for key in ('url', 'username', 'password'):
        if not isinstance(mqtt[key], str) or not mqtt[key]:
            raise SettingsError('settings.mqtt.%s is required' % key)
    try:
        device_address(mqtt['username'])
        check_interval(settings['interval_s'])
        check_backlog_rate(settings['backlog_rate'])
        check_sensors(settings['sensors'])
    except ValueError as error:
        raise SettingsError('settings: %s' % error)
    if mqtt['url'].startswith('mqtts://') and not mqtt['ca_file']:
        raise SettingsError('settings.mqtt.ca_file is required for mqtts:// (the CA that signed the broker\'s certificate)')
    if not isinstance(settings['wifi']['ssid'], str) or not settings['wifi']['ssid']:
        raise SettingsError('settings.wifi.ssid is required (the network the node joins)')
    return settings


def load_settings(path='settings.json'):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise SettingsError('%s is missing: copy settings.example.json there and fill it in (firmware/README.md)' % path)
    return parse_settings(text)
