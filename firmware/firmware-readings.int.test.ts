/**
 * Readings from the firmware (on the host, over TLS to the stack's broker with
 * its registry credentials) through the real pipeline started here, as other
 * pipeline tests start it: mqtt-source on the device topics of this file's
 * tenant, the rollup processor and the timescale-sink, on fresh topics and a
 * fresh schema. A reading becomes a rollup in TimescaleDB; a backlog buffered
 * during an outage arrives complete, oldest first, at the bounded rate;
 * nothing goes out stamped before the clock was set.
 */
import type { Pool } from 'pg';
import { sourceFixture, startSource } from '../connectors/mqtt-source/source.fixture';
import { sinkOptions, startSink } from '../connectors/timescale-sink/timescale-sink.fixture';
import type { Measurement } from '../schemas/types';
import { rollupsFixture, startRollups } from '../stream-processors/rollups/rollups.fixture';
import { eventually, freshDatabaseSchema, freshGroupId, testSettings } from '../test/factories';
import type { SinkTopics } from '../test/sink-records';
import { TopicReader } from '../test/topic-reader';
import { flashFor, freshTenant, HostNode, platform, provisionDevice, type NodeEvent } from './host-node.fixture';

const tenant = freshTenant();
const minute = 60_000;
let pool: Pool;
let measurements: TopicReader<Measurement>;

beforeAll(async () => {
  const store = await freshDatabaseSchema();
  pool = store.pool;
  const rawStoreGroup = freshGroupId();
  const rollups = await rollupsFixture({ databaseUrl: testSettings().databaseUrl, databaseSchema: store.schema, rawStoreGroup });
  const { measurementsTopic, deadLetterTopic } = rollups.options;
  const rollupTopics = Object.fromEntries(['1m', '1h', '1d'].map((r) => [r, rollups.rollupTopic(r)]));
  await startSink({ ...sinkOptions({ measurements: measurementsTopic, deadLetter: deadLetterTopic, rollups: rollupTopics } as SinkTopics, store.schema, rawStoreGroup), resolutions: ['1m', '1h', '1d'] });
  await startRollups(rollups.options);
  const source = await sourceFixture({ measurementsTopic, deadLetterTopic, topicScheme: 'fleet/{tenant}/{site}/{device}/up', subscription: `fleet/${tenant}/+/+/up` });
  await startSource(source.options);
  measurements = await TopicReader.start<Measurement>(measurementsTopic);
}, 120_000);

const samples = (node: HostNode) => node.named('sample') as (NodeEvent & { ts: number; readings: Record<string, number> })[];
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

describe('firmware readings through the pipeline', () => {
  it('become rollups in TimescaleDB: count and sum of each minute equal to what the node read', async () => {
    const device = await provisionDevice({ tenant, device: 'node-1' });
    const node = HostNode.start(await flashFor(device, { interval_s: 1 }));
    await eventually(() => (samples(node).filter((s) => s.backlog === 0).length >= 4 ? true : undefined), '4 samples sent', 30_000);
    await node.kill('SIGTERM');
    const read = samples(node).filter((s) => s.ts !== null);
    const path = `/${tenant}/site-1/node-1/temperature`;
    const expected = new Map<number, { count: number; sum: number }>();
    for (const s of read) {
      const window = Math.floor(s.ts / minute) * minute;
      const w = expected.get(window) ?? { count: 0, sum: 0 };
      expected.set(window, { count: w.count + 1, sum: w.sum + s.readings.temperature! });
    }

    const stored = await eventually(async () => {
      const { rows } = await pool.query<{ bucket: Date; count: string; sum: number }>('select bucket, count, sum from rollups_1m where path = $1 order by bucket', [path]);
      const got = new Map(rows.map((r) => [ms(r.bucket), { count: Number(r.count), sum: r.sum }]));
      const complete = [...expected].every(([w, e]) => got.get(w)?.count === e.count);
      return complete && got.size === expected.size ? got : undefined;
    }, `the 1m rollups of ${path} counting all ${read.length} readings`, 40_000, 250);
    for (const [window, e] of expected) expect(stored.get(window)!.sum).toBeCloseTo(e.sum, 6);

    const { rows: raw } = await pool.query<{ time: Date; value: number }>('select time, value from measurements where path = $1 order by time', [path]);
    expect(raw.map((r) => [ms(r.time), r.value])).toEqual(read.map((s) => [s.ts, s.readings.temperature]));
  });

  it('buffered in flash during an outage, arrive complete and oldest first once the link is back, at the bounded rate', async () => {
    const device = await provisionDevice({ tenant, device: 'node-2' });
    const rate = 4;
    const node = HostNode.start(await flashFor(device, { interval_s: 1, backlog_rate: rate, buffer: { slots: 100 } }));
    await eventually(() => (samples(node).filter((s) => s.backlog === 0).length >= 2 ? true : undefined), '2 samples sent live', 30_000);

    await node.control({ network: 'down' });
    await node.waitFor((e) => e.event === 'disconnected', 'the node noticing the outage');
    await eventually(() => ((samples(node).at(-1)?.backlog as number) >= 10 ? true : undefined), '10 samples buffered', 30_000);
    const back = node.events.length;
    await node.control({ network: 'up' });
    await node.waitFor((e) => e.event === 'connected', 'the node back', 20_000, back);
    await node.waitFor((e) => e.event === 'backlog_sent' && e.backlog === 0, 'the backlog sent', 30_000, back);
    await node.kill('SIGTERM');

    const counters = samples(node).map((s) => s.readings.counter!);
    expect(counters).toEqual(counters.map((_, i) => i + 1));
    const path = `/${tenant}/site-1/node-2/counter`;
    const arrived = await eventually(() => {
      const got = measurements.records.filter((r) => r.value.path === path).map((r) => r.value);
      return new Set(got.map((m) => m.value)).size >= counters.length ? got : undefined;
    }, `all ${counters.length} readings of ${path} in Kafka`, 30_000);
    // QoS 1 may deliver one twice; in the order of first arrival, every reading once, oldest first, with the time it was read
    const firsts = arrived.filter((m, i) => arrived.findIndex((o) => o.value === m.value) === i);
    expect(firsts.map((m) => m.value)).toEqual(counters);
    expect(firsts.map((m) => ms(m.timestamp))).toEqual(samples(node).map((s) => s.ts));

    // the backlog left at `rate` a second after a first second's worth
    const buffered = samples(node).filter((s) => (s.backlog as number) > 0).map((s) => s.readings.counter!);
    const received = firsts.filter((m) => buffered.includes(m.value)).map((m) => ms(m.receivedAt));
    expect(received.length).toBeGreaterThanOrEqual(10);
    expect(received.at(-1)! - received[0]!).toBeGreaterThanOrEqual(((received.length - rate - 1) / rate) * 1000);
  });

  it('are not published before NTP set the clock; those read before are sent afterwards, stamped with when they were read', async () => {
    const device = await provisionDevice({ tenant, device: 'node-3' });
    const broker = await platform(device);
    const node = HostNode.start(await flashFor(device, { interval_s: 1, ntp: { retry_s: 1 } }), { HOST_NTP: 'down' });
    await node.waitFor((e) => e.event === 'connected', 'the node connected');
    await eventually(() => (node.named('sample_unstamped').length >= 3 ? true : undefined), '3 samples read without a clock', 20_000);
    expect(broker.on('up')).toEqual([]);

    await node.control({ ntp: 'up' });
    const set = await node.waitFor((e) => e.event === 'clock_set', 'the clock set');
    const held = Number(set.unstamped);
    expect(held).toBeGreaterThanOrEqual(3);
    // the held readings are the samples logged right after clock_set (stamped then, in the order read); a sample read
    // in the same millisecond as the sync may be stamped a tick past now_ms (ticks and wall time round apart)
    const at = node.events.indexOf(set);
    const stampedAfter = () => node.events.slice(at + 1).filter((e) => e.event === 'sample').slice(0, held).map((e) => Number(e.ts));
    const stamps = await eventually(() => (stampedAfter().length === held ? stampedAfter() : undefined), `the ${held} held readings stamped`);
    for (const ts of stamps) expect(ts).toBeLessThanOrEqual(Number(set.now_ms) + 5);
    const sent = () => new Set(broker.on('up').map((m) => JSON.parse(m.payload).ts as number));
    await eventually(() => (stamps.every((ts) => sent().has(ts)) ? true : undefined), `the ${held} held readings sent`);
    // read a second apart, stamped a second apart (ticks since boot)
    for (let i = 1; i < stamps.length; i++) expect(Math.abs(stamps[i]! - stamps[i - 1]! - 1000)).toBeLessThan(300);
  });
});
