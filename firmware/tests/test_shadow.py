import json

from fleetnode.shadow import ShadowFollower, update_request
from support import eq


def follower():
    applied = {}

    def interval(value):
        if not isinstance(value, int) or value < 1:
            raise ValueError('interval must be a positive integer')
        applied['interval'] = value
        return value
    return ShadowFollower({'interval': interval}), applied


def delta(state, version):
    return json.dumps({'state': state, 'version': version, 'timestamp': 1}).encode()


def test_a_delta_applies_the_keys_the_device_knows_and_reports_them():
    shadow, applied = follower()
    eq(shadow.on_delta(delta({'interval': 30, 'colour': 'red'}, 4)), {'interval': 30})
    eq(applied, {'interval': 30})
    eq(shadow.ignored, ['colour'])
    eq(shadow.version, 4)


def test_a_value_the_device_refuses_is_left_out_of_the_report():
    shadow, applied = follower()
    eq(shadow.on_delta(delta({'interval': -5}, 1)), {})
    eq(list(shadow.problems), ['interval'])
    eq(applied, {})


def test_no_delta_and_an_old_delta_change_nothing():
    shadow, applied = follower()
    eq(shadow.on_delta(b''), None)
    eq(shadow.on_delta(b'not json'), None)
    shadow.on_delta(delta({'interval': 10}, 7))
    eq(shadow.on_delta(delta({'interval': 99}, 7)), None)
    eq(shadow.on_delta(delta({'interval': 99}, 6)), None)
    eq(applied, {'interval': 10})


def test_the_whole_document_applies_what_desired_has_that_reported_has_not():
    shadow, applied = follower()
    document = {'state': {'desired': {'interval': 15, 'same': 1, 'gone': None}, 'reported': {'interval': 60, 'same': 1}}, 'version': 9}
    eq(shadow.on_document(json.dumps(document).encode()), {'interval': 15})
    eq(shadow.version, 9)
    document = {'state': {'desired': {'interval': 15}, 'reported': {'interval': 15}}, 'version': 10}
    eq(shadow.on_document(json.dumps(document).encode()), None)
    with_delta = {'state': {'desired': {'interval': 20}, 'delta': {'interval': 20}}, 'version': 11}
    eq(shadow.on_document(json.dumps(with_delta).encode()), {'interval': 20})


def test_the_report_request():
    eq(json.loads(update_request({'interval': 5}, 'tok-1')), {'state': {'reported': {'interval': 5}}, 'clientToken': 'tok-1'})
