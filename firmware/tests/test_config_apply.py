import json

from fleetnode.config_apply import ConfigRejected, ConfigStore
from support import ScratchDir, eq


def check(config):
    if config.get('interval_s', 1) < 1:
        raise ConfigRejected('interval_s must be at least 1')


def message(version, config, sha256='ab' * 32):
    return json.dumps({'version': version, 'sha256': sha256, 'config': config}).encode()


def test_a_new_version_is_written_whole_then_acknowledged_applied():
    with ScratchDir() as d:
        store = ConfigStore(d.path('device-config.json'), check)
        ack, applied = store.offer(message(3, {'interval_s': 30}))
        eq(ack, {'version': 3, 'sha256': 'ab' * 32, 'status': 'applied', 'detail': ''})
        eq(applied, True)
        eq(d.listdir(), ['device-config.json'])
        eq(ConfigStore(d.path('device-config.json'), check).config, {'interval_s': 30})


def test_the_version_in_effect_is_acknowledged_again_without_applying_it_again():
    with ScratchDir() as d:
        checked = []
        store = ConfigStore(d.path('device-config.json'), lambda c: checked.append(c))
        store.offer(message(3, {'interval_s': 30}))
        rebooted = ConfigStore(d.path('device-config.json'), lambda c: checked.append(c))
        ack, applied = rebooted.offer(message(3, {'interval_s': 30}))
        eq((ack['status'], ack['detail'], applied, len(checked)), ('applied', 'already in effect', False, 1))


def test_a_configuration_the_device_cannot_take_is_rejected_and_the_old_one_stays():
    with ScratchDir() as d:
        store = ConfigStore(d.path('device-config.json'), check)
        store.offer(message(1, {'interval_s': 30}))
        ack, applied = store.offer(message(2, {'interval_s': 0}, 'cd' * 32))
        eq(ack, {'version': 2, 'sha256': 'cd' * 32, 'status': 'rejected', 'detail': 'interval_s must be at least 1'})
        eq((applied, store.version), (False, 1))
        eq(ConfigStore(d.path('device-config.json'), check).version, 1)


def test_malformed_and_cleared_messages():
    with ScratchDir() as d:
        store = ConfigStore(d.path('device-config.json'), check)
        eq(store.offer(b''), (None, False))
        eq(store.offer(b'{oops')[0]['status'], 'rejected')
        eq(store.offer(b'{"version": "7", "sha256": "x", "config": {}}')[0]['status'], 'rejected')
        eq(store.offer(b'{"version": 7, "sha256": "x", "config": []}')[0], {'version': 7, 'sha256': 'x', 'status': 'rejected', 'detail': '"config" must be an object'})
        eq(store.version, None)


def test_a_write_that_fails_is_acknowledged_failed():
    with ScratchDir() as d:
        store = ConfigStore(d.path('missing-dir/device-config.json'), check)
        ack, applied = store.offer(message(1, {}))
        eq((ack['status'], applied, store.version), ('failed', False, None))


def test_a_rename_cut_short_leaves_the_new_file_to_take():
    with ScratchDir() as d:
        with open(d.path('device-config.json.tmp'), 'w') as f:
            f.write(json.dumps({'version': 5, 'sha256': 'x', 'config': {}}))
        eq(ConfigStore(d.path('device-config.json'), check).version, 5)
        eq(d.listdir(), ['device-config.json'])
