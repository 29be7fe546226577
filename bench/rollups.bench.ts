/**
 * The rollup processor's 1m stage: readings/s through the aggregation code
 * alone on one core (PartitionWindows + readingWindows, in process), readings/s
 * through Kafka (records pre-produced to a fresh topic; from start() to the
 * last final rollup committed) beside a plain consumer of the same topic,
 * bytes of window state per series per open window, and the lag from a
 * reading's arrival in Kafka to the first rollup holding it (provisional
 * rollups every 2 s, the default) at fixed offered loads.
 *
 * Run: `eval "$(make -s env)" && node -r ./test/swc-register.js bench/run.ts rollups`
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { readConnectionSettings } from '../lib/config';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { Measurement, Rollup } from '../schemas/types';
import { start } from '../stream-processors/rollups';
import { PartitionWindows, type SeriesMeta } from '../stream-processors/rollups/partition-windows';
import { readingWindows, type ReadingInput } from '../stream-processors/rollups/window-logic';
import type { ReadingWindow } from '../stream-processors/rollups/window-aggregate';
import { barChartSvg, lineChartSvg, writeChart } from './lib/chart';
import { plainConsumerRate } from './lib/plain-consumer';
import { benchProgress } from './lib/progress';
import { repeatInterleaved } from './lib/repeat';
import { resultsDirectory } from './lib/paths';
import { writeResult } from './lib/results';
import { latencyPercentiles, summarize } from './lib/stats';
import { createTopicsAndWait } from '../lib/create-topics';
import { changelogRecords } from '../stream-processors/rollups/state-changelog';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SERIES = env('ROLLUPS_BENCH_SERIES', 10_000);
const READINGS = env('ROLLUPS_BENCH_READINGS', 1_000_000);
const KAFKA_SERIES = env('ROLLUPS_BENCH_KAFKA_SERIES', 2000);
const KAFKA_READINGS = env('ROLLUPS_BENCH_KAFKA_READINGS', 200_000);
const PARTITIONS = 3;
const BATCH = 500;
const REPS = env('ROLLUPS_BENCH_REPS', 3);
const LAG_RATES = [1000, 5000];
const LAG_SECONDS = env('ROLLUPS_BENCH_LAG_SECONDS', 12);
const LAG_SERIES = 1000;
const minute = 60_000;
const day = 24 * 60 * minute;
/** Two days ago, on a day boundary: within the correction horizon (7 days), or every reading is dead-lettered as too old. */
const T0 = Math.floor(Date.now() / day) * day - 2 * day;
const log = benchProgress('rollups');

const kinds = ['energy', 'additive', 'non_additive'] as const;
function metaOf(i: number): SeriesMeta {
  const device = `dev${i}`;
  const kind = kinds[i % 3]!;
  return { path: `/bench/site${i % 50}/${device}/m${i % 3}`, tenant: 'bench', site: `site${i % 50}`, device, metric: `m${i % 3}`, kind };
}

/** `count` readings over `series` series, each sampled every ~`spacingMs` with jitter, in time order. */
function readingsOf(series: number, count: number, spacingMs: number, start = T0): { series: Int32Array; time: Float64Array; value: Float64Array } {
  const out = { series: new Int32Array(count), time: new Float64Array(count), value: new Float64Array(count) };
  const step = spacingMs / series;
  for (let i = 0; i < count; i++) {
    const s = i % series;
    out.series[i] = s;
    out.time[i] = Math.floor(start + i * step + ((s * 7919) % 997));
    out.value[i] = s % 3 === 0 ? i / series : (i * 31) % 100;
  }
  return out;
}

/** The aggregation code alone: add per reading, advance per batch, provisional every 2 s of event time; optionally the changelog snapshots too. */
function aggregate(data: ReturnType<typeof readingsOf>, metas: SeriesMeta[], withChangelog: boolean): { readingsPerSecond: number; cpuSeconds: number } {
  const p = new PartitionWindows<ReadingInput, ReadingWindow>(readingWindows, { sizeMs: minute, latenessMs: minute, idleMs: 30_000 }, 0);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let nextProvisional = data.time[0]! + 2000;
  let snapshotBytes = 0;
  for (let i = 0; i < data.time.length; i += BATCH) {
    const end = Math.min(i + BATCH, data.time.length);
    for (let j = i; j < end; j++) {
      const time = data.time[j]!;
      p.add(metas[data.series[j]!]!, time, time, { time, value: data.value[j]! }, 0);
    }
    p.advance(0);
    if (data.time[end - 1]! >= nextProvisional) {
      p.provisional();
      nextProvisional += 2000;
    }
    if (withChangelog) for (const record of changelogRecords(p.takeChanged())) snapshotBytes += record.key.length + (record.value?.length ?? 0);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (snapshotBytes < 0) throw new Error('unreachable');
  return { readingsPerSecond: data.time.length / seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * Saves what changed, as a commit does, and returns the changelog bytes it took. A function of its own so that
 * nothing it made stays reachable from the caller's frame: written inline, a stale interpreter register kept the
 * saved chunks alive through the heap measurement (1,279 B per window measured instead of 680).
 */
function savedBytes(p: PartitionWindows<ReadingInput, ReadingWindow>): number {
  return changelogRecords(p.takeChanged()).reduce((n, record) => n + record.key.length + (record.value?.length ?? 0), 0);
}

/** Heap and changelog bytes of the window state per series per open window, `perWindow` readings in each. */
function stateBytes(series: number, perWindow: number): { heapBytesPerSeriesWindow: number; changelogBytesPerSeriesWindow: number; openWindows: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const metas = Array.from({ length: series }, (_, i) => metaOf(i));
  gc();
  const before = process.memoryUsage().heapUsed;
  // two open windows per series (lateness 1 min): a minute's readings and the next minute's
  const p = new PartitionWindows<ReadingInput, ReadingWindow>(readingWindows, { sizeMs: minute, latenessMs: 10 * minute, idleMs: 3_600_000 }, 0);
  for (let w = 0; w < 2; w++) {
    for (let r = 0; r < perWindow; r++) {
      for (let s = 0; s < series; s++) {
        const time = T0 + w * minute + Math.floor((r * minute) / perWindow) + (s % 1000);
        p.add(metas[s]!, time, time, { time, value: s + r * 0.5 }, 0);
      }
    }
  }
  // saved, as every commit does: what stays in memory between commits is the windows
  const changelog = savedBytes(p);
  gc();
  const after = process.memoryUsage().heapUsed;
  const openWindows = p.openWindows;
  // metas existed before: the delta is the state alone
  return { heapBytesPerSeriesWindow: (after - before) / openWindows, changelogBytesPerSeriesWindow: changelog / openWindows, openWindows };
}

async function createTopics(admin: Admin, topics: string[], partitions: number): Promise<void> {
  await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: partitions })));
}

/** Committed offsets of `groupId` on `topic` summed over its partitions. */
async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets.flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function endOffsets(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const logger = componentLogger('rollups-bench');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: 'bench-rollups', logger });
  const admin = kafka.admin();
  await admin.connect();
  const run = `bench-rollups-${Date.now().toString(36)}`;
  const created: string[] = [];
  try {
    // 1. the aggregation code alone
    log(`in process: ${READINGS} readings over ${SERIES} series, 1m windows`);
    const metas = Array.from({ length: SERIES }, (_, i) => metaOf(i));
    const data = readingsOf(SERIES, READINGS, 10_000);
    const inProcess = await repeatInterleaved(
      { aggregation: async () => aggregate(data, metas, false), withChangelog: async () => aggregate(data, metas, true) },
      { warmups: 1, repetitions: REPS, onRun: (v, r) => log(`in process ${v} ${r.warmup ? 'warm-up' : `run ${r.index + 1}`}`) },
    );

    // 2. state per series per open window
    const memory = { every10s: stateBytes(20_000, 6), every1s: stateBytes(5000, 60) };
    log(`state: ${JSON.stringify(memory)}`);

    // 3. through Kafka: pre-produced readings, then the 1m stage from start() to the last final committed
    const input = `${run}.measurements`;
    const deadLetter = `${run}.deadletter`;
    await createTopics(admin, [input], PARTITIONS);
    await createTopics(admin, [deadLetter], 1);
    created.push(input, deadLetter);
    const registry = createRegistryClient(settings.schemaRegistryUrl);
    const codec = new AvroCodec<Measurement>(registry, valueSubject(input), avroSchemas.Measurement);
    await codec.register();
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    const kdata = readingsOf(KAFKA_SERIES, KAFKA_READINGS, 10_000);
    const kmetas = Array.from({ length: KAFKA_SERIES }, (_, i) => metaOf(i));
    const measurement = (s: number, time: number, value: number): Measurement => ({ ...kmetas[s]!, timestamp: time, value, unit: null, tags: {}, receivedAt: time, sourceTopic: null });
    log(`producing ${KAFKA_READINGS} readings to ${input}`);
    for (let i = 0; i < KAFKA_READINGS; i += 5000) {
      const messages = [];
      for (let j = i; j < Math.min(i + 5000, KAFKA_READINGS); j++) messages.push({ key: kmetas[kdata.series[j]!]!.path, value: codec.encode(measurement(kdata.series[j]!, kdata.time[j]!, kdata.value[j]!)) });
      await producer.send({ topic: input, acks: -1, messages });
    }
    const flushAt = kdata.time[KAFKA_READINGS - 1]! + 10 * minute;
    await producer.send({ topic: input, acks: -1, messages: kmetas.map((m, s) => ({ key: m.path, value: codec.encode(measurement(s, flushAt, 0)) })) });
    const total = await endOffsets(admin, input);
    const expectedFinals = new Set<string>();
    for (let i = 0; i < KAFKA_READINGS; i++) expectedFinals.add(`${kdata.series[i]}@${Math.floor(kdata.time[i]! / minute)}`);

    let repetition = 0;
    const throughKafka = async (): Promise<{ readingsPerSecond: number; readingsPerSecondAfterFirstCommit: number; cpuSecondsPerMillion: number; finals: number }> => {
      const id = `${run}-${repetition++}`;
      const output = `${id}.1m`;
      await createTopics(admin, [output], PARTITIONS);
      created.push(output, `${id}-group.1m.state`);
      const cpu = process.cpuUsage();
      const started = performance.now();
      let firstCommitAt: number | undefined;
      let doneAt = 0;
      const processor = await start({
        kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, resolutions: ['1m'], measurementsTopic: input, deadLetterTopic: deadLetter,
        rollupTopicTemplate: `${id}.{resolution}`, groupIdPrefix: `${id}-group`, instanceId: 'bench', logger: componentLogger('rollups-bench-processor'),
      });
      for (;;) {
        const done = await committed(admin, `${id}-group-1m`, input);
        if (done > 0) firstCommitAt ??= performance.now();
        if (done >= total) {
          doneAt = performance.now();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      await processor.stop();
      // count what was stored: every window of the data has its final rollup
      const finals = await countFinals(kafka, output, registry, expectedFinals.size);
      if (finals !== expectedFinals.size) throw new Error(`${finals} final 1m rollups in ${output}, expected ${expectedFinals.size}: a run that lost data is a failed run`);
      return {
        readingsPerSecond: KAFKA_READINGS / seconds,
        readingsPerSecondAfterFirstCommit: KAFKA_READINGS / ((doneAt - (firstCommitAt ?? started)) / 1000),
        cpuSecondsPerMillion: ((used.user + used.system) / 1e6 / KAFKA_READINGS) * 1e6,
        finals,
      };
    };
    const viaKafka = await repeatInterleaved(
      { rollups1m: throughKafka, plainConsumer: async () => ({ readingsPerSecond: await plainConsumerRate(kafka, input, total, `bench-rollups-ref-${run}-${repetition++}`) }) },
      { warmups: 1, repetitions: REPS, onRun: (v, r) => log(`via Kafka ${v} ${r.warmup ? 'warm-up' : `run ${r.index + 1}`}`) },
    );
    await producer.disconnect();
    const kafkaRuns = viaKafka.rollups1m as unknown as Awaited<ReturnType<typeof throughKafka>>[];

    // 4. lag from a reading's arrival in Kafka to the first rollup holding it (provisional every 2 s, the default)
    const lag: Record<string, Awaited<ReturnType<typeof measureLag>>> = {};
    for (const rate of LAG_RATES) {
      log(`lag at ${rate} readings/s for ${LAG_SECONDS} s`);
      lag[rate] = await measureLag(kafka, admin, registry, settings, `${run}-lag${rate}`, rate, created);
    }

    const m = (runs: { readingsPerSecond: number }[]) => summarize(runs.map((r) => r.readingsPerSecond));
    const medians = {
      inProcessReadingsPerSecond: m(inProcess.aggregation!),
      inProcessWithChangelogReadingsPerSecond: m(inProcess.withChangelog!),
      kafkaReadingsPerSecond: m(viaKafka.rollups1m!),
      kafkaReadingsPerSecondAfterFirstCommit: summarize(kafkaRuns.map((r) => r.readingsPerSecondAfterFirstCommit)),
      plainConsumerReadingsPerSecond: m(viaKafka.plainConsumer!),
      kafkaCpuSecondsPerMillion: summarize(kafkaRuns.map((r) => r.cpuSecondsPerMillion)),
      stateBytesPerSeriesPerOpenWindow: memory,
      lagMs: lag,
    };
    const ratio = medians.kafkaReadingsPerSecond.median / medians.plainConsumerReadingsPerSecond.median;
    const base = join(resultsDirectory(), 'rollups');
    const throughputChart = await writeChart(`${base}-throughput`, barChartSvg({
      title: 'rollups 1m stage: readings/s (median)', valueLabel: 'readings per second (log scale)', log: true,
      bars: [
        { label: 'aggregation code, 1 core', value: medians.inProcessReadingsPerSecond.median },
        { label: '+ changelog snapshots', value: medians.inProcessWithChangelogReadingsPerSecond.median },
        { label: 'via Kafka (exactly once)', value: medians.kafkaReadingsPerSecond.median },
        { label: 'plain consumer (reference)', value: medians.plainConsumerReadingsPerSecond.median },
      ],
    }));
    const lagChart = await writeChart(`${base}-lag`, lineChartSvg({
      title: 'rollups: Kafka arrival -> first rollup holding the reading', xLabel: 'offered readings/s', yLabel: 'lag (ms)',
      series: (['p50', 'p99'] as const).map((q) => ({ name: q, points: LAG_RATES.map((rate) => ({ x: rate, y: lag[rate]![q] })) })).concat([{ name: 'target 5 s', points: LAG_RATES.map((x) => ({ x, y: 5000 })), dashed: true } as never]),
    }));
    const report = {
      parameters: {
        inProcess: { series: SERIES, readings: READINGS, spacingSeconds: 10, batch: BATCH, window: '1m', latenessSeconds: 60 },
        kafka: { series: KAFKA_SERIES, readings: KAFKA_READINGS, partitions: PARTITIONS, resolutions: ['1m'], recordBytes: 'Avro Measurement, ~90 B' },
        lag: { rates: LAG_RATES, seconds: LAG_SECONDS, series: LAG_SERIES, provisionalIntervalSeconds: 2 },
        repetitions: REPS,
      },
      repetitions: { inProcess, viaKafka } as unknown as Record<string, Record<string, unknown>[]>,
      medians,
      ratios: { kafkaVsPlainConsumer: Math.round(ratio * 100) / 100 },
      targets: {
        aggregationReadingsPerSecondPerCore: { target: 100_000, measured: Math.round(medians.inProcessReadingsPerSecond.median) },
        stateBytesPerSeriesPerOpenWindow: { target: 1024, measured: Math.round(memory.every10s.heapBytesPerSeriesWindow) },
        provisionalWithinMs: { target: 5000, measuredP99: Math.round(Math.max(...Object.values(lag).map((l) => l.p99))) },
      },
      charts: [throughputChart.png, lagChart.png],
    };
    const file = await writeResult('rollups', report);
    log(`written ${file}`);
    return { medians, ratios: report.ratios, targets: report.targets };
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}

const msOf = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

/** Reads a rollup topic from the beginning until it holds `expected` distinct final windows, or nothing new came for 3 s. */
async function countFinals(kafka: Kafka, topic: string, registry: ReturnType<typeof createRegistryClient>, expected: number): Promise<number> {
  const codec = new AvroCodec<Rollup>(registry, valueSubject(topic), avroSchemas.Rollup);
  const consumer = kafka.consumer({ groupId: `bench-rollups-count-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const finals = new Set<string>();
  let lastProgress = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      lastProgress = Date.now();
      if ((await codec.decode(message.value!)).final) finals.add(message.key!.toString());
    },
  });
  while (finals.size < expected && Date.now() - lastProgress < 3000) await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.disconnect();
  return finals.size;
}

/** Readings produced live (event time = now) at `rate`/s; lag = first receipt of a rollup of its window with lastTime >= its ts, minus the moment it was sent. */
async function measureLag(kafka: Kafka, admin: Admin, registry: ReturnType<typeof createRegistryClient>, settings: ReturnType<typeof readConnectionSettings>, id: string, rate: number, created: string[]) {
  const input = `${id}.measurements`;
  const output = `${id}.1m`;
  const deadLetter = `${id}.deadletter`;
  await createTopics(admin, [input, output], PARTITIONS);
  await createTopics(admin, [deadLetter], 1);
  created.push(input, output, deadLetter, `${id}-group.1m.state`);
  const codec = new AvroCodec<Measurement>(registry, valueSubject(input), avroSchemas.Measurement);
  await codec.register();
  const rollupCodec = new AvroCodec<Rollup>(registry, valueSubject(output), avroSchemas.Rollup);
  const processor = await start({
    kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, resolutions: ['1m'], measurementsTopic: input, deadLetterTopic: deadLetter,
    rollupTopicTemplate: `${id}.{resolution}`, groupIdPrefix: `${id}-group`, instanceId: 'bench', logger: componentLogger('rollups-bench-processor'),
  });
  const receipts = new Map<string, { at: number; lastTime: number }[]>();
  const consumer = kafka.consumer({ groupId: `${id}-reader`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = Date.now();
      const r = await rollupCodec.decode(message.value!);
      const key = message.key!.toString();
      const list = receipts.get(key) ?? [];
      list.push({ at, lastTime: msOf(r.lastTime) });
      receipts.set(key, list);
    },
  });
  await joined;
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  const metas = Array.from({ length: LAG_SERIES }, (_, i) => metaOf(i));
  const sent: { path: string; ts: number; sentAt: number }[] = [];
  const perTick = Math.round(rate / 20);
  let next = 0;
  const until = Date.now() + LAG_SECONDS * 1000;
  for (let tick = Date.now(); tick < until; tick += 50) {
    if (tick > Date.now()) await new Promise((resolve) => setTimeout(resolve, tick - Date.now()));
    const sentAt = Date.now();
    const messages = [];
    for (let k = 0; k < perTick; k++) {
      const meta = metas[next++ % LAG_SERIES]!;
      const m: Measurement = { ...meta, timestamp: sentAt, value: next, unit: null, tags: {}, receivedAt: sentAt, sourceTopic: null };
      sent.push({ path: meta.path, ts: sentAt, sentAt });
      messages.push({ key: meta.path, value: codec.encode(m) });
    }
    await producer.send({ topic: input, acks: -1, messages });
  }
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await producer.disconnect();
  await consumer.disconnect();
  await processor.stop();
  const lags: number[] = [];
  let missing = 0;
  for (const r of sent) {
    const got = (receipts.get(`${r.path}@${Math.floor(r.ts / minute) * minute}`) ?? []).find((x) => x.lastTime >= r.ts);
    if (got) lags.push(got.at - r.sentAt);
    else missing++;
  }
  return { ...latencyPercentiles(lags), missing, readings: sent.length };
}
