from fleetnode.topics import Topics, device_address
from support import eq, raises


def test_contract_topics_under_the_root():
    t = Topics(('acme', 'plant-1', 'node-7'))
    eq(t.base, 'fleet/acme/plant-1/node-7')
    eq(t.uplink, 'fleet/acme/plant-1/node-7/up')
    eq(t.command_ack('id1'), 'fleet/acme/plant-1/node-7/cmd/ack/id1')
    eq(t.command_result('id1', 'succeeded'), 'fleet/acme/plant-1/node-7/cmd/res/id1/succeeded')
    eq([f for f, _ in t.subscriptions()], [
        'fleet/acme/plant-1/node-7/cmd/req/+/+',
        'fleet/acme/plant-1/node-7/shadow/update/delta',
        'fleet/acme/plant-1/node-7/shadow/+/accepted',
        'fleet/acme/plant-1/node-7/shadow/+/rejected',
        'fleet/acme/plant-1/node-7/config',
    ])
    eq((t.status, t.shadow_update, t.shadow_get, t.config_ack), (
        'fleet/acme/plant-1/node-7/status', 'fleet/acme/plant-1/node-7/shadow/update',
        'fleet/acme/plant-1/node-7/shadow/get', 'fleet/acme/plant-1/node-7/config/ack'))


def test_classify():
    t = Topics(('a', 'b', 'c'), 'x/{tenant}/y/{site}/{device}')
    eq(t.classify('x/a/y/b/c/cmd/req/42/reboot'), ('command', ('42', 'reboot')))
    eq(t.classify('x/a/y/b/c/shadow/update/delta'), ('shadow_delta', None))
    eq(t.classify('x/a/y/b/c/shadow/get/accepted'), ('shadow_accepted', 'get'))
    eq(t.classify('x/a/y/b/c/shadow/update/rejected'), ('shadow_rejected', 'update'))
    eq(t.classify('x/a/y/b/c/config'), ('config', None))
    eq(t.classify('x/a/y/b/other/config'), (None, None))
    eq(t.classify('x/a/y/b/c/cmd/req/42'), (None, None))


def test_device_address_from_the_username():
    eq(device_address('acme/plant-1/node-7'), ('acme', 'plant-1', 'node-7'))
    raises(ValueError, device_address, 'acme/node-7')
    raises(ValueError, device_address, 'acme/plant 1/node-7')
    raises(ValueError, Topics, ('a', 'b', 'c'), 'fleet/{tenant}/{device}')
