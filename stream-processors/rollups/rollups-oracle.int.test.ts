/**
 * The correctness oracle of the rollups: a generated dataset goes through
 * Mosquitto, the real mqtt-source connector, the real rollup processor and
 * the real timescale-sink (whose raw rows the corrections are computed
 * from); the newest final 1m, 1h and 1d rollup of every window is compared
 * with an independent computation in SQL (`date_bin`) over what the
 * connector produced, the readings published late for their windows
 * included. One device's clock runs well more than the lateness ahead of the
 * others sharing its partitions: lateness is its series' own, so it makes no
 * reading of theirs late.
 */
import type { MqttClient } from 'mqtt';
import type { DeadLetter, Measurement, Rollup } from '../../schemas/types';
import { eventually, freshDatabaseSchema, freshGroupId, testSettings } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { devicePublisher, sourceFixture, startSource } from '../../connectors/mqtt-source/source.fixture';
import { sinkOptions, startSink } from '../../connectors/timescale-sink/timescale-sink.fixture';
import type { SinkTopics } from '../../test/sink-records';
import { expectedRollups, generateDataset, type DatasetReading, type ExpectedRollup } from './oracle-dataset';
import { finalRollups, rollupDifferences, waitForFinals } from './oracle.fixture';
import { correctionRevision } from './window-aggregate';
import { rollupsFixture, startRollups } from './rollups.fixture';
import { sqlRollups } from './raw-rollups-oracle.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));
const keyOf = (r: { path: string; ts: number }) => `${r.path}@${r.ts}`;
const sizes = { '1m': minute, '1h': 60 * minute, '1d': day } as const;

// 30 min of lateness; readings are shuffled by at most 3 min, and published at ~5,800x event time, so the
// connector may reorder ~280 ms of messages before a reading that was not meant to be late turns late
const LATENESS_MS = 30 * minute;
const CLOCK_SKEW_MS = 45 * minute;
const PUBLISH_SECONDS = 25;

/** Publishes each reading as a one-reading QoS 1 message, paced so `publishAt` maps onto the wall clock linearly over `seconds`. */
async function publishPaced(client: MqttClient, topicOf: (r: DatasetReading) => string, readings: DatasetReading[], seconds: number): Promise<void> {
  const first = readings[0]!.publishAt;
  const speed = Math.max(1, (readings[readings.length - 1]!.publishAt - first) / (seconds * 1000));
  const started = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  for (const r of readings) {
    const due = started + (r.publishAt - first) / speed;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const sent = client.publishAsync(topicOf(r), JSON.stringify({ metric: r.path.split('/')[4], value: r.value, ts: r.ts, kind: r.kind }), { qos: 1 });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    if (inFlight.size >= 200) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

describe('rollups oracle: MQTT -> mqtt-source -> rollups, against SQL over the raw readings', () => {
  it('gives every 1m, 1h and 1d window exactly what date_bin over the readings gives, correcting the windows of readings late for their own series', async () => {
    const start = Math.floor(Date.now() / day) * day - 5 * day + 7 * 60 * minute + 13 * minute;
    const dataset = generateDataset({ seed: 20260104, start, latenessMs: LATENESS_MS, clockSkewMs: CLOCK_SKEW_MS });
    const store = await freshDatabaseSchema();
    const rawStoreGroup = freshGroupId();
    const fixture = await rollupsFixture({ allowedLateness: `${LATENESS_MS}ms`, idleTimeout: '1h', databaseUrl: testSettings().databaseUrl, databaseSchema: store.schema, rawStoreGroup });
    const topics = { measurements: fixture.options.measurementsTopic, deadLetter: fixture.options.deadLetterTopic, rollups: Object.fromEntries(['1m', '1h'].map((r) => [r, fixture.rollupTopic(r)])) };
    await startSink(sinkOptions(topics as SinkTopics, store.schema, rawStoreGroup));
    const source = await sourceFixture({ measurementsTopic: fixture.options.measurementsTopic, deadLetterTopic: fixture.options.deadLetterTopic, connections: 32 });
    const measurements = await TopicReader.start<Measurement>(fixture.options.measurementsTopic);
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.options.deadLetterTopic);
    const rollupReaders = {
      '1m': await TopicReader.start<Rollup>(fixture.rollupTopic('1m')),
      '1h': await TopicReader.start<Rollup>(fixture.rollupTopic('1h')),
      '1d': await TopicReader.start<Rollup>(fixture.rollupTopic('1d')),
    };
    await startRollups(fixture.options);
    await startSource(source.options);
    const device = await devicePublisher();
    const series = new Map(dataset.series.map((s) => [s.path, s]));
    const topicOf = (r: DatasetReading) => {
      const s = series.get(r.path)!;
      return source.deviceTopic(s.tenant, s.site, s.device);
    };
    const seen = () => new Set(measurements.records.map((m) => keyOf({ path: m.value.path, ts: ms(m.value.timestamp) })));

    // the shared subscription takes messages once a session subscribed: repeat the first reading until it comes through (a duplicate, counted once)
    await eventually(async () => {
      await publishPaced(device, topicOf, dataset.readings.slice(0, 1), 0);
      return measurements.records.length > 0 ? true : undefined;
    }, 'the connector to take its first message', 20_000, 200);

    await publishPaced(device, topicOf, dataset.readings, PUBLISH_SECONDS);
    const published = new Set(dataset.readings.map(keyOf));
    await eventually(() => {
      const present = seen();
      return [...published].every((k) => present.has(k)) ? true : undefined;
    }, 'every published reading in the measurements topic', 30_000, 250);
    // each flush round is in Kafka before the next goes out, so no flush reading is late
    for (const round of dataset.flush) {
      await publishPaced(device, topicOf, round, 0);
      await eventually(() => {
        const present = seen();
        return round.every((r) => present.has(keyOf(r))) ? true : undefined;
      }, 'a flush round in the measurements topic', 20_000, 100);
    }

    const late = dataset.readings.filter((r) => r.role === 'late');
    expect(late.length).toBeGreaterThan(0);
    const expected = Object.fromEntries((['1m', '1h', '1d'] as const).map((r) => [r, expectedRollups(dataset.readings, sizes[r])])) as Record<keyof typeof sizes, Map<string, ExpectedRollup>>;
    // the cascade closes 1d last: once its finals are in, so are the 1m and 1h ones
    await waitForFinals(rollupReaders['1d'].records, expected['1d'].keys(), '1d', 60_000);
    // nothing is too old, nothing undecodable: no dead letters from the processor
    expect(deadLetters.records.filter((d) => d.value.source.startsWith('rollups'))).toEqual([]);

    // the raw readings the connector produced, in a fresh schema; duplicates once
    const { pool } = await freshDatabaseSchema();
    await pool.query('create table readings (path text not null, kind text not null, time timestamptz not null, value double precision not null, primary key (path, time))');
    const raw = measurements.records.map((m) => m.value);
    await pool.query(
      `insert into readings select path, kind, timestamptz 'epoch' + ts * interval '1 millisecond', value
       from unnest($1::text[], $2::text[], $3::bigint[], $4::float8[]) as r(path, kind, ts, value) on conflict do nothing`,
      [raw.map((m) => m.path), raw.map((m) => m.kind), raw.map((m) => ms(m.timestamp)), raw.map((m) => m.value)],
    );

    // the corrections of the late readings' windows follow their finals: wait until every resolution agrees
    const sql = Object.fromEntries(
      await Promise.all((['1m', '1h', '1d'] as const).map(async (r) => [r, new Map([...(await sqlRollups(pool, r))].filter(([, w]) => w.windowEnd <= dataset.compareUntil))] as const)),
    ) as Record<keyof typeof sizes, Map<string, ExpectedRollup>>;
    const disagreements = () => (['1m', '1h', '1d'] as const).flatMap((r) => rollupDifferences(sql[r], finalRollups(rollupReaders[r].records).finals, dataset.compareUntil).map((d) => `${r} ${d}`));
    await eventually(() => (disagreements().length === 0 ? true : undefined), 'corrected rollups equal to SQL', 60_000, 250).catch(() => {
      expect(disagreements().slice(0, 20)).toEqual([]);
    });
    const corrected = finalRollups(rollupReaders['1m'].records).finals;
    expect([...corrected.values()].filter((r) => r.revision >= correctionRevision(0)).length).toBeGreaterThan(0);

    for (const resolution of ['1m', '1h', '1d'] as const) {
      const { conflicting, repeated } = finalRollups(rollupReaders[resolution].records);
      expect({ resolution, conflicting, repeated }).toEqual({ resolution, conflicting: [], repeated: [] });
      expect(sql[resolution].size).toBeGreaterThan(resolution === '1d' ? 2 : 40);
      // the in-memory oracle of the crash and rebalance tests agrees with SQL
      expect({ resolution, jsVersusSql: rollupDifferences(sql[resolution], expected[resolution], dataset.compareUntil).slice(0, 20) }).toEqual({ resolution, jsVersusSql: [] });
    }
    const windowsWithResets = [...(await sqlRollups(pool, '1m')).values()].filter((w) => w.resets > 0);
    expect(windowsWithResets.length).toBeGreaterThan(0);
  }, 120_000);
});
