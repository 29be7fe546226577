/**
 * The pipeline of the late-data tests, on fresh topics, groups and schema:
 * devices publish over Mosquitto to the real mqtt-source, the real rollup
 * processor (in this process, or as a process of its own to kill) and the
 * real timescale-sink, whose raw rows the corrections are computed from and
 * the SQL oracle is run over. Idle timeouts are long: windows close by their
 * series' event time only, so what closes when does not depend on the
 * machine's speed, and `flushRounds` closes the last ones.
 */
import type { MqttClient } from 'mqtt';
import type { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import type { DeadLetter, Measurement, ParameterKind, Rollup } from '../../schemas/types';
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually, freshDatabaseSchema, freshGroupId, testSettings } from '../../test/factories';
import { seededRandom } from '../../test/generated-readings';
import type { SinkTopics } from '../../test/sink-records';
import { TopicReader } from '../../test/topic-reader';
import { devicePublisher, sourceFixture, startSource, type SourceFixture } from '../../connectors/mqtt-source/source.fixture';
import { sinkOptions, startSink } from '../../connectors/timescale-sink/timescale-sink.fixture';
import { parseInvalidation, type Invalidation } from './invalidation';
import { finalRollups, normalizeRollup, rollupDifferences } from './oracle.fixture';
import { oracleResolutions, sqlRollups, storedReadings, type OracleResolution } from './raw-rollups-oracle.fixture';
import { rollupsFixture, startRollups, type RollupsFixture } from './rollups.fixture';
import { correctionRevision } from './window-aggregate';

export const second = 1000;
export const minute = 60 * second;
export const hour = 60 * minute;
export const day = 24 * hour;

/** A reading as a device publishes it. */
export interface DeviceReading {
  path: string;
  kind: ParameterKind;
  ts: number;
  value: number;
}

/** The start of the UTC day `daysAgo` days before today: recent (inside the 7-day correction horizon), with a day after it for the flush readings, all in the past. */
export function recentDay(daysAgo = 2): number {
  return Math.floor(Date.now() / day) * day - daysAgo * day;
}

/**
 * Readings of one series every `stepMs` over [from, to), values by kind: an
 * energy counter rising by up to 2 per reading, reset to near 0 at
 * `resetAt`; additive increments; a wandering gauge. Rounded to 3 decimals.
 */
export function seriesReadings(path: string, kind: ParameterKind, options: { from: number; to: number; stepMs: number; seed: number; resetAt?: number; counterFrom?: number }): DeviceReading[] {
  const random = seededRandom(options.seed);
  const out: DeviceReading[] = [];
  let counter = options.counterFrom ?? 500 * random();
  let level = 20;
  let reset = options.resetAt === undefined;
  for (let ts = options.from; ts < options.to; ts += options.stepMs) {
    let value: number;
    if (kind === 'energy') {
      if (!reset && ts >= options.resetAt!) {
        counter = random();
        reset = true;
      } else counter += 2 * random();
      value = counter;
    } else if (kind === 'additive') value = 5 * random();
    else value = level += random() - 0.5;
    out.push({ path, kind, ts, value: Math.round(value * 1000) / 1000 });
  }
  return out;
}

/**
 * Readings that close every window of the series ending at or before `until`
 * (a UTC midnight) at every resolution, each round to be in Kafka before the
 * next: the 1m stage closes the data's minutes; the next round closes the
 * first round's minute, so the 1h stage moves past the data's hours; the third
 * does the same for the 1d stage. Energy counters keep rising from `last`.
 */
export function flushRounds(last: ReadonlyMap<string, DeviceReading>, until: number): DeviceReading[][] {
  return [hour + minute, 4 * hour + minute, 7 * hour + minute].map((offset, round) =>
    [...last.values()].map((r) => ({ path: r.path, kind: r.kind, ts: until + offset, value: r.kind === 'energy' ? r.value + round + 1 : round })),
  );
}

/** The newest reading of each series among `readings`. */
export function newestOf(readings: Iterable<DeviceReading>): Map<string, DeviceReading> {
  const newest = new Map<string, DeviceReading>();
  for (const r of readings) if ((newest.get(r.path)?.ts ?? -Infinity) < r.ts) newest.set(r.path, r);
  return newest;
}

const keyOf = (r: { path: string; ts: number }) => `${r.path}@${r.ts}`;
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

export interface LatePipelineOptions {
  allowedLateness: string;
  /** `process`: the caller starts `fleetstream rollups` with `spawnRollups()` (to kill it); default: started here, in this process */
  rollups?: 'in-process' | 'process';
}

export type LatePipeline = Awaited<ReturnType<typeof startLatePipeline>>;

export async function startLatePipeline(options: LatePipelineOptions) {
  const store = await freshDatabaseSchema();
  const rawStoreGroup = freshGroupId();
  const fixture: RollupsFixture = await rollupsFixture({
    allowedLateness: options.allowedLateness,
    idleTimeout: '1h',
    correctionHorizon: '7d',
    databaseUrl: testSettings().databaseUrl,
    databaseSchema: store.schema,
    rawStoreGroup,
  });
  const { measurementsTopic, deadLetterTopic } = fixture.options;
  const rollupTopics = Object.fromEntries(oracleResolutions.map((r) => [r, fixture.rollupTopic(r)]));
  const sink = { ...sinkOptions({ measurements: measurementsTopic, deadLetter: deadLetterTopic, rollups: rollupTopics } as SinkTopics, store.schema, rawStoreGroup), resolutions: [...oracleResolutions] };
  await startSink(sink);
  const source: SourceFixture = await sourceFixture({ measurementsTopic, deadLetterTopic });
  const readers = {
    measurements: await TopicReader.start<Measurement>(measurementsTopic),
    deadLetters: await TopicReader.start<DeadLetter>(deadLetterTopic),
    rollups: Object.fromEntries(await Promise.all(oracleResolutions.map(async (r) => [r, await TopicReader.start<Rollup>(rollupTopics[r]!)] as const))) as Record<OracleResolution, TopicReader<Rollup>>,
  };
  const processEnv = { ...componentEnvironment('rollups', fixture.options), ROLLUPS_INSTANCE_ID: 'late' };
  const rollups: RunningComponent | undefined = options.rollups === 'process' ? undefined : await startRollups(fixture.options);
  await startSource(source.options);
  /** the stages create it as they start: read from its beginning once they did */
  let invalidationReader: TopicReader<Buffer> | undefined;
  const readInvalidations = async () => {
    invalidationReader ??= await TopicReader.start<Buffer>(`${fixture.options.groupIdPrefix}.invalidations`, { raw: true });
  };
  if (rollups) await readInvalidations();
  const published = new Set<string>();
  const topicOf = (r: DeviceReading) => {
    const [, tenant = '', site = '', device = ''] = r.path.split('/');
    return source.deviceTopic(tenant, site, device);
  };
  const consumed = () => new Set(readers.measurements.records.map((m) => keyOf({ path: m.value.path, ts: ms(m.value.timestamp) })));

  const pipeline = {
    fixture,
    pool: store.pool as Pool,
    schema: store.schema,
    sink,
    readers,
    /** the in-process processor (undefined with `rollups: 'process'`) */
    rollups,

    /** `fleetstream rollups` as a process of its own, same instance id each time. */
    spawnRollups(): ComponentProcess {
      return spawnComponent('rollups', processEnv);
    },

    /** A device's MQTT client (one session; its messages reach the broker in order). */
    device: (): Promise<MqttClient> => devicePublisher(),

    /** Publishes one QoS 1 message per reading, in order, as fast as PUBACKs allow `inFlight` awaiting. */
    async publish(client: MqttClient, readings: readonly DeviceReading[], inFlight = 100): Promise<void> {
      const pending = new Set<Promise<unknown>>();
      for (const r of readings) {
        published.add(keyOf(r));
        const sent = client.publishAsync(topicOf(r), JSON.stringify({ metric: r.path.split('/')[4], value: r.value, ts: r.ts, kind: r.kind }), { qos: 1 });
        pending.add(sent);
        void sent.finally(() => pending.delete(sent));
        if (pending.size >= inFlight) await Promise.race(pending);
      }
      await Promise.all(pending);
    },

    /**
     * Publishes `reading` until the connector took it: its shared subscription
     * takes messages once a session subscribed (the repeats are duplicates, counted once).
     */
    async publishFirst(client: MqttClient, reading: DeviceReading): Promise<void> {
      await eventually(async () => {
        await pipeline.publish(client, [reading]);
        return consumed().has(keyOf(reading)) ? true : undefined;
      }, 'the connector to take its first message', 20_000, 200);
    },

    /** Waits until every one of `readings` is in the measurements topic. */
    async consumedAll(readings: readonly DeviceReading[], timeoutMs = 30_000): Promise<void> {
      await eventually(() => {
        const present = consumed();
        return readings.every((r) => present.has(keyOf(r))) ? true : undefined;
      }, `${readings.length} readings in the measurements topic`, timeoutMs, 100);
    },

    /** Publishes the flush rounds of `flushRounds`, each in Kafka before the next. */
    async flush(client: MqttClient, last: ReadonlyMap<string, DeviceReading>, until: number): Promise<void> {
      for (const round of flushRounds(last, until)) {
        await pipeline.publish(client, round);
        await pipeline.consumedAll(round);
      }
    },

    /** Starts reading the invalidations topic; with `rollups: 'process'`, call it once the process has started. */
    readInvalidations,

    /** The invalidations the stages wrote (committed ones) and the reader has read so far. */
    invalidations(): Invalidation[] {
      return invalidationReader!.records.map((r) => parseInvalidation(r.value)).filter((i): i is Invalidation => i !== undefined);
    },

    /** Readings the 1m stage took after their window had closed (in-process processor only). */
    async lateInputs(): Promise<number> {
      const counter = await rollups!.metrics.getSingleMetric('rollups_inputs_total')!.get();
      return counter.values.filter((v) => v.labels.stage === 'rollups-1m' && v.labels.outcome === 'late').reduce((n, v) => n + v.value, 0);
    },

    /** Final rollups with a correction revision, normalized, in the order they were emitted. */
    corrections(resolution: OracleResolution): Rollup[] {
      return readers.rollups[resolution].records.map((r) => normalizeRollup(r.value)).filter((r) => r.final && r.revision >= correctionRevision(0));
    },

    /**
     * Every difference between the final rollups of the windows of `paths`
     * ending at or before `until` and SQL over the raw rows the sink stored,
     * at every resolution; and a line for each published reading not stored.
     */
    async differences(paths: ReadonlySet<string>, until: number): Promise<string[]> {
      const problems: string[] = [];
      const { rows } = await store.pool.query<{ key: string }>(`select path || '@' || (extract(epoch from time) * 1000)::bigint as key from measurements where path = any($1)`, [[...paths]]);
      const stored = new Set(rows.map((row) => row.key));
      for (const key of published) if (paths.has(key.slice(0, key.lastIndexOf('@'))) && !stored.has(key)) problems.push(`${key}: published, not stored`);
      if (problems.length > 0) return problems;
      for (const resolution of oracleResolutions) {
        const sql = new Map([...(await sqlRollups(store.pool, resolution, storedReadings))].filter(([, w]) => paths.has(w.path) && w.windowEnd <= until));
        const finals = new Map([...finalRollups(readers.rollups[resolution].records).finals].filter(([, r]) => paths.has(r.path)));
        problems.push(...rollupDifferences(sql, finals, until).map((d) => `${resolution} ${d}`));
      }
      return problems;
    },

    /** Waits until `differences` is empty; fails showing the first ones. */
    async expectExact(paths: ReadonlySet<string>, until: number, timeoutMs = 40_000): Promise<void> {
      let last: string[] = [];
      await eventually(
        async () => {
          last = await pipeline.differences(paths, until);
          return last.length === 0 ? true : undefined;
        },
        'final rollups equal to SQL over the stored raw readings',
        timeoutMs,
        500,
      ).catch(() => expect(last.slice(0, 20)).toEqual([]));
      for (const resolution of oracleResolutions) {
        const { conflicting } = finalRollups(readers.rollups[resolution].records);
        expect({ resolution, conflicting }).toEqual({ resolution, conflicting: [] });
      }
    },
  };
  return pipeline;
}
