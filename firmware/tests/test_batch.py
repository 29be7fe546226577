import json

from fleetnode.batch import Sample, batch_payloads
from support import eq, raises, true


def test_one_payload_in_the_batch_format_the_connector_takes():
    sample = Sample({'temperature': 21.5, 'pulses': 3}, {'temperature': 'non_additive', 'pulses': 'additive'}, {'temperature': 'degC'}, ts=1700000000000)
    payloads, skipped = batch_payloads(sample, 256)
    eq(skipped, [])
    eq(len(payloads), 1)
    eq(json.loads(payloads[0]), {'ts': 1700000000000, 'readings': {'temperature': 21.5, 'pulses': 3},
                                 'kinds': {'temperature': 'non_additive', 'pulses': 'additive'}, 'units': {'temperature': 'degC'}})


def test_values_the_platform_refuses_are_left_out():
    sample = Sample({'a': float('nan'), 'b': float('inf'), 'c': True, 'd': 'x', 'e': 1.25}, ts=1)
    payloads, skipped = batch_payloads(sample, 256)
    eq(skipped, ['a', 'b', 'c', 'd'])
    eq(json.loads(payloads[0])['readings'], {'e': 1.25})


def test_many_metrics_split_into_payloads_under_the_limit_with_one_timestamp():
    values = dict(('metric_%02d' % i, i * 1.5) for i in range(40))
    sample = Sample(values, dict((m, 'non_additive') for m in values), ts=1700000000123)
    payloads, skipped = batch_payloads(sample, 200)
    true(len(payloads) > 1, 'split')
    seen = {}
    for payload in payloads:
        true(len(payload) <= 200, 'payload of %d bytes' % len(payload))
        body = json.loads(payload)
        eq(body['ts'], 1700000000123)
        seen.update(body['readings'])
    eq(seen, values)
    eq(skipped, [])


def test_a_metric_too_long_for_any_payload_is_skipped_and_an_unstamped_sample_is_refused():
    sample = Sample({'x' * 300: 1, 'y': 2}, ts=5)
    payloads, skipped = batch_payloads(sample, 100)
    eq(skipped, ['x' * 300])
    eq(json.loads(payloads[0])['readings'], {'y': 2})
    raises(ValueError, batch_payloads, Sample({'y': 1}), 100)
