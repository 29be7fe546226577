from fleetnode.transport import parse_broker_url
from support import eq, raises, true


def test_broker_urls():
    eq(parse_broker_url('mqtt://broker.local'), ('broker.local', 1883, False))
    eq(parse_broker_url('mqtts://broker.local'), ('broker.local', 8883, True))
    eq(parse_broker_url('mqtts://10.0.0.2:8884'), ('10.0.0.2', 8884, True))
    true('mqtt.username' in str(raises(ValueError, parse_broker_url, 'mqtt://u:p@host')))
    raises(ValueError, parse_broker_url, 'http://host')
    raises(ValueError, parse_broker_url, 'mqtt://host:x')
