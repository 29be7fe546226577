/**
 * Event automations against the real Kafka, schema registry and PostgreSQL:
 * readings produced to fresh topics, handler requests read back, dampening
 * carried across a restart by its changelog.
 */
import { Pool } from 'pg';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DeadLetter, DeviceMessage, HandlerRequest } from '../../schemas/types';
import { eventually, onCleanup, testKafka, testSettings } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { automationsFixture, readingProducer, requestReader, startAutomations } from './automations.fixture';

const mqtt = (body: string) => `{ handler: mqtt_publish, target: { topic: fleet/acme/alarms, body: ${body} } }`;

describe('event automations', () => {
  const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  const boiler = '/acme/plant1/boiler1/temperature';
  const marker = '/acme/plant1/marker/count';

  it('fires "3 consecutive above 80" once on the third reading, not before, and keeps the count across a restart', async () => {
    // one partition: the marker's fire says every reading sent before it was evaluated
    const fixture = await automationsFixture(
      `
tenant: acme
automations:
  - id: boiler-hot
    trigger: { on: readings, series: ['/acme/*/*/temperature'] }
    conditions: { all: [{ value: '> 80' }] }
    dampening: { consecutive: 3 }
    actions: [${mqtt('hot')}, { handler: set_desired, target: { site: plant1, device: burner1, desired: { power: 0 } } }]
  - id: marker
    trigger: { on: readings, series: [${marker}] }
    actions: [${mqtt('marker')}]
`,
      { events: true },
    );
    const reader = await requestReader(fixture);
    const fires = (id: string) => [...new Set(reader.records.filter((r) => r.value.originId === id).map((r) => r.value.trigger))];
    const readings = await readingProducer(fixture);
    let markers = 0;
    const sync = async () => {
      markers++;
      await readings.send([{ path: marker, time: t0 + markers, value: markers }]);
      await eventually(() => (fires('marker').length >= markers ? true : undefined), `marker ${markers} evaluated`, 60_000);
    };

    const first = await startAutomations(fixture, { instanceId: 'a' });
    await readings.send([{ path: boiler, time: t0, value: 85 }, { path: boiler, time: t0 + 1000, value: 90 }]);
    await sync();
    expect(fires('boiler-hot')).toEqual([]);

    // two of three counted; a new instance reads them back from the changelog
    await first.stop();
    await startAutomations(fixture, { instanceId: 'b' });
    await readings.send([{ path: boiler, time: t0 + 2000, value: 95 }]);
    const fired = await eventually(() => (fires('boiler-hot').length > 0 ? reader.records.filter((r) => r.value.originId === 'boiler-hot').map((r) => r.value) : undefined), 'the third reading to fire', 60_000);
    expect(fired.map((r) => r.handler).sort()).toEqual(['mqtt_publish', 'set_desired']);
    expect(JSON.parse(fired[0]!.payload)).toMatchObject({ automation: { tenant: 'acme', id: 'boiler-hot', revision: 1 }, event: { kind: 'readings', path: boiler, value: 95 }, value: 95 });
    expect(Number(fired[0]!.firedAt)).toBe(t0 + 2000);

    // a fourth above fires nothing; below re-arms; three more above fire again
    await readings.send([{ path: boiler, time: t0 + 3000, value: 99 }]);
    await sync();
    expect(fires('boiler-hot')).toHaveLength(1);
    await readings.send([70, 81, 82, 83].map((value, i) => ({ path: boiler, time: t0 + 4000 + i * 1000, value })));
    await eventually(() => (fires('boiler-hot').length === 2 ? true : undefined), 'the second episode to fire', 60_000);
    await sync();
    expect(fires('boiler-hot')).toHaveLength(2);
    const requests: HandlerRequest[] = reader.records.map((r) => r.value);
    expect(new Set(requests.map((r) => r.executionId)).size).toBe(requests.length);

    // the runs, with their execution ids, in PostgreSQL (the history consumer's)
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const runs = await eventually(async () => {
      const { rows } = await pool.query<{ trigger: string; execution_ids: string[] }>(`select trigger, execution_ids from "${fixture.databaseSchema}".automation_runs where automation_id = 'boiler-hot' order by fired_at`);
      return rows.length === 2 ? rows : undefined;
    }, 'two runs recorded');
    expect(runs.map((r) => r.trigger)).toEqual(fires('boiler-hot'));
    expect(runs[0]!.execution_ids.sort()).toEqual(fired.map((r) => r.executionId).sort());
  }, 120_000);

  it('dead-letters an undecodable reading and a status neither online nor offline, with their reasons, and goes on', async () => {
    const fixture = await automationsFixture(
      `
tenant: acme
automations:
  - id: any-reading
    trigger: { on: readings, series: ['/acme/**'] }
    actions: [${mqtt('seen')}]
  - id: offline
    trigger: { on: presence, status: [offline] }
    actions: [${mqtt('gone')}]
`,
      { events: true },
    );
    const reader = await requestReader(fixture);
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.deadLetterTopic);
    const readings = await readingProducer(fixture);
    await startAutomations(fixture, { instanceId: 'a' });
    await readings.sendRaw('/acme/plant1/x/y', Buffer.from('not avro'));
    await readings.send([{ path: '/acme/plant1/boiler1/temperature', time: t0, value: 1 }]);
    await eventually(() => (reader.records.length === 1 ? true : undefined), 'the good reading to fire', 60_000);
    const dead = await eventually(() => deadLetters.records[0]?.value, 'the dead letter');
    expect(dead).toMatchObject({ source: 'automations', reason: 'undecodable', sourceTopic: fixture.measurementsTopic });
    expect(dead.message.length).toBeGreaterThan(0);
    expect(Buffer.from(dead.payload).toString()).toBe('not avro');

    const codec = new AvroCodec<DeviceMessage>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(fixture.deviceMessagesTopic!), avroSchemas.DeviceMessage);
    await codec.register();
    const producer = testKafka().producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const status = (payload: string): DeviceMessage => ({ tenant: 'acme', site: 'plant1', device: 'pump', kind: 'status', subtopic: 'status', payload: Buffer.from(payload), receivedAt: t0, transport: 'mqtt', sourceTopic: null });
    await producer.send({ topic: fixture.deviceMessagesTopic!, messages: [status('sleepy'), status('offline')].map((m) => ({ key: '/acme/plant1/pump', value: codec.encode(m) })) });
    const gone = await eventually(() => reader.records.find((r) => r.value.originId === 'offline')?.value, 'the offline device to fire', 60_000);
    expect(JSON.parse(gone.payload)).toMatchObject({ event: { kind: 'presence', device: '/acme/plant1/pump', status: 'offline' } });
    const invalid = await eventually(() => deadLetters.records[1]?.value, 'the second dead letter');
    expect(invalid).toMatchObject({ source: 'automations', reason: 'invalid_presence', sourceTopic: fixture.deviceMessagesTopic });
  }, 120_000);
});
