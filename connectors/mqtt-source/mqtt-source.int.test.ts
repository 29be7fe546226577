import type { Measurement } from '../../schemas/types';
import { maxDeadLetterPayloadBytes } from '../../schemas/dead-letter';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { devicePublisher, sourceFixture, startSource } from './source.fixture';

type Decoded = Omit<Measurement, 'timestamp' | 'receivedAt'> & { timestamp: unknown; receivedAt: unknown };
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

describe('mqtt-source', () => {
  it('turns each payload format into Avro Measurement records keyed by path', async () => {
    const fixture = await sourceFixture({ catalogueFile: undefined });
    await startSource(fixture.options);
    const reader = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const topic = fixture.deviceTopic('acme', 'plant1', 'meter7');
    const ts = Date.now() - 60_000;

    await device.publishAsync(topic, JSON.stringify({ metric: 'temperature', value: 21.5, ts, unit: 'degC' }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ ts: ts + 1, readings: { energy_kwh: 1234.5, pulses: 3 }, kinds: { energy_kwh: 'energy', pulses: 'additive' } }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify([{ bn: 'senml_', bt: (ts + 2) / 1000, n: 'power', u: 'kW', v: 2.5 }]), { qos: 1 });

    const records = await reader.waitFor(4);
    const byPath = Object.fromEntries(records.map((r) => [r.key, { ...r.value, timestamp: ms(r.value.timestamp) }]));
    expect(Object.keys(byPath).sort()).toEqual(['/acme/plant1/meter7/energy_kwh', '/acme/plant1/meter7/pulses', '/acme/plant1/meter7/senml_power', '/acme/plant1/meter7/temperature']);
    expect(byPath['/acme/plant1/meter7/temperature']).toMatchObject({ tenant: 'acme', site: 'plant1', device: 'meter7', metric: 'temperature', kind: 'non_additive', value: 21.5, timestamp: ts, unit: 'degC', sourceTopic: topic });
    expect(byPath['/acme/plant1/meter7/energy_kwh']).toMatchObject({ kind: 'energy', value: 1234.5, timestamp: ts + 1 });
    expect(byPath['/acme/plant1/meter7/pulses']).toMatchObject({ kind: 'additive', value: 3 });
    expect(byPath['/acme/plant1/meter7/senml_power']).toMatchObject({ kind: 'non_additive', value: 2.5, unit: 'kW', timestamp: ts + 2 });
  });

  it('dead-letters every class of bad input with its reason and the original bytes, and keeps serving', async () => {
    const fixture = await sourceFixture({ maxPayloadBytes: 1024, maxFuture: '5m' });
    const source = await startSource(fixture.options);
    const deadLetters = await TopicReader.start<{ source: string; reason: string; message: string; payload: Buffer; sourceTopic: string }>(fixture.options.deadLetterTopic!);
    const measurements = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const topic = fixture.deviceTopic('acme', 'plant1', 'meter7');

    const bad: [string, string | Buffer, string?][] = [
      ['malformed_json', '{"metric": "t", "value": '],
      ['invalid_payload', '{"metric": "t", "value": "warm"}'],
      ['invalid_payload', '{"value": 1}'],
      ['non_finite_value', '{"metric": "t", "value": 1e999}'],
      ['non_finite_value', '{"metric": "t", "value": "NaN"}'],
      ['payload_too_large', JSON.stringify({ metric: 't', value: 1, pad: 'x'.repeat(2000) })],
      ['invalid_utf8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
      ['topic_outside_scheme', '{"metric": "t", "value": 1}', fixture.strayTopic],
      ['timestamp_in_future', JSON.stringify({ metric: 't', value: 1, ts: Date.now() + 3_600_000 })],
      ['timestamp_too_old', JSON.stringify({ metric: 't', value: 1, ts: Date.UTC(1999, 0, 1) })],
      ['invalid_path', '{"metric": "room temp", "value": 1}'],
    ];
    for (const [, payload, onTopic] of bad) await device.publishAsync(onTopic ?? topic, payload, { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ metric: 'still_serving', value: 1 }), { qos: 1 });

    const letters = await deadLetters.waitFor(bad.length);
    expect(letters.map((l) => l.value.reason).sort()).toEqual(bad.map(([reason]) => reason).sort());
    for (const [reason, payload, onTopic] of bad) {
      const letter = letters.find((l) => l.value.reason === reason && Buffer.from(l.value.payload).equals(Buffer.from(payload)));
      expect(letter?.value).toMatchObject({ source: 'mqtt-source', sourceTopic: onTopic ?? topic });
      expect(letter?.value.message).toEqual(expect.any(String));
      expect(letter?.headers['fleet-reason']).toBe(reason);
    }
    const [served] = await measurements.waitFor(1);
    expect(served?.key).toBe('/acme/plant1/meter7/still_serving');

    const metrics = await source.metrics.getSingleMetricAsString('mqtt_source_dead_lettered_total');
    expect(metrics).toMatch(/mqtt_source_dead_lettered_total\{reason="non_finite_value",component="mqtt-source"\} 2/);
    expect(source.ready()).toBe(true);
  });

  it('dead-letters a payload larger than Kafka takes with its first bytes, and keeps serving', async () => {
    const fixture = await sourceFixture({ maxPayloadBytes: 1024 });
    await startSource(fixture.options);
    const deadLetters = await TopicReader.start<{ reason: string; message: string; payload: Buffer }>(fixture.options.deadLetterTopic!);
    const measurements = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const topic = fixture.deviceTopic('acme', 'plant1', 'meter7');
    // over the 900 KB cut, under the stack broker's max_packet_size (1 MiB), which would drop the connection instead
    const huge = Buffer.alloc(1_000_000, 'x');
    await device.publishAsync(topic, huge, { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ metric: 'still_serving', value: 1 }), { qos: 1 });

    const [letter] = await deadLetters.waitFor(1);
    expect(letter?.value.reason).toBe('payload_too_large');
    expect(Buffer.from(letter!.value.payload).equals(huge.subarray(0, maxDeadLetterPayloadBytes))).toBe(true);
    expect(letter?.value.message).toContain(`cut to its first ${maxDeadLetterPayloadBytes} of ${huge.length} bytes`);
    const [served] = await measurements.waitFor(1);
    expect(served?.key).toBe('/acme/plant1/meter7/still_serving');
  });

  it('holds each device to its rate and its series limit: the excess dead-lettered with its reason and counted, other devices untouched', async () => {
    // one connection: a device's messages arrive in the order it sent them
    const fixture = await sourceFixture({ deviceRate: 0.001, deviceBurst: 3, maxSeriesPerDevice: 2, connections: 1 });
    const source = await startSource(fixture.options);
    const deadLetters = await TopicReader.start<{ reason: string; message: string; sourceTopic: string }>(fixture.options.deadLetterTopic!);
    const measurements = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const chatty = fixture.deviceTopic('acme', 'plant1', 'chatty');
    const minting = fixture.deviceTopic('acme', 'plant1', 'minting');
    const quiet = fixture.deviceTopic('acme', 'plant1', 'quiet');

    for (let i = 0; i < 6; i++) await device.publishAsync(chatty, JSON.stringify({ metric: 't', value: i }), { qos: 1 });
    await device.publishAsync(minting, JSON.stringify({ readings: { a: 1, b: 2 } }), { qos: 1 });
    await device.publishAsync(minting, JSON.stringify({ readings: { a: 3, c: 4 } }), { qos: 1 });
    await device.publishAsync(quiet, JSON.stringify({ metric: 't', value: 1 }), { qos: 1 });

    const letters = await deadLetters.waitFor(4);
    expect(letters.map((l) => [l.value.reason, l.value.sourceTopic])).toEqual([...Array(3).fill(['rate_limited', chatty]), ['series_limit', minting]]);
    expect(letters[0]!.value.message).toContain('deviceRate');
    expect(letters[3]!.value.message).toContain('adds 1 (c)');
    const accepted = await measurements.waitFor(6);
    expect(accepted.map((r) => r.key).sort()).toEqual([
      ...Array(3).fill('/acme/plant1/chatty/t'),
      '/acme/plant1/minting/a',
      '/acme/plant1/minting/b',
      '/acme/plant1/quiet/t',
    ]);
    const counted = await source.metrics.getSingleMetricAsString('mqtt_source_dead_lettered_total');
    expect(counted).toMatch(/reason="rate_limited",component="mqtt-source"\} 3/);
    expect(counted).toMatch(/reason="series_limit",component="mqtt-source"\} 1/);
  });

  it("holds each tenant's devices together to the tenant's rate: the excess dead-lettered as tenant_rate_limited, other tenants untouched", async () => {
    const fixture = await sourceFixture({ tenantRate: 0.001, tenantBurst: 4, connections: 1 });
    const source = await startSource(fixture.options);
    const deadLetters = await TopicReader.start<{ reason: string; message: string; sourceTopic: string }>(fixture.options.deadLetterTopic!);
    const measurements = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const device = await devicePublisher();
    const [a1, a2, b1] = [fixture.deviceTopic('acme', 'plant1', 'a1'), fixture.deviceTopic('acme', 'plant2', 'a2'), fixture.deviceTopic('globex', 'plant1', 'b1')];
    // acme's two devices share acme's four; globex has its own
    for (const topic of [a1, a2, a1, a2, a1, a2, b1, b1]) await device.publishAsync(topic, JSON.stringify({ metric: 't', value: 1 }), { qos: 1 });

    const letters = await deadLetters.waitFor(2);
    expect(letters.map((l) => [l.value.reason, l.value.sourceTopic])).toEqual([['tenant_rate_limited', a1], ['tenant_rate_limited', a2]]);
    expect(letters[0]!.value.message).toContain('tenantRate');
    const accepted = await measurements.waitFor(6);
    expect(accepted.map((r) => r.key).sort()).toEqual([...Array(2).fill('/acme/plant1/a1/t'), ...Array(2).fill('/acme/plant2/a2/t'), ...Array(2).fill('/globex/plant1/b1/t')]);
    expect(await source.metrics.getSingleMetricAsString('mqtt_source_dead_lettered_total')).toMatch(/reason="tenant_rate_limited",component="mqtt-source"\} 2/);
  });

  it('reports a subscription that delivers nothing while devices publish', async () => {
    // subscribed to a filter nothing matches, while devices publish on the scheme
    const fixture = await sourceFixture({ stallWindow: '10s', stallMinBrokerMessages: 50 });
    const source = await startSource({ ...fixture.options, subscription: 'nothing/matches/this' });
    const device = await devicePublisher();
    const topic = fixture.deviceTopic('acme', 'plant1', 'meter7');
    const publishing = setInterval(() => void device.publishAsync(topic, '{"metric":"t","value":1}', { qos: 0 }).catch(() => undefined), 20);
    try {
      // Mosquitto publishes its $SYS counters every 10 s: a stall shows within two of them after the window
      await eventually(async () => ((await source.metrics.getSingleMetricAsString('mqtt_source_subscription_stalled')).match(/ 1$/m) ? true : undefined), 'the stall to be reported', 45_000, 250);
    } finally {
      clearInterval(publishing);
    }
    expect(source.ready()).toBe(false);
  }, 60_000);
});
