/**
 * The alerts processor with 1,000 rules over 100,000 series of raw readings
 * (issue 17): rule evaluations per second per core through the pure core
 * alone (RuleBook, evaluateReading, PartitionAlerts, in process, one core),
 * and through Kafka: readings pre-produced to a fresh topic, then the
 * processor (start(), in this process) from its start until its group has
 * committed them all, every batch a transaction of its events, state
 * changelog and offsets; beside it, interleaved, a plain consumer reading the
 * same records (Kafka alone). CPU seconds from process.cpuUsage() (the
 * processor runs in this process; the benchmark only polls the group's
 * offsets meanwhile), the broker's from /proc. Every series is read by one
 * rule (bench/lib/alert-series.ts), so an evaluation is a reading; 1 % of the
 * series cross the thresholds at every reading (firing, resolved, ...).
 *
 * Writes bench/results/alerts.json and alerts.png/.svg.
 * Env: ALERTS_BENCH_DEVICES_PER_SITE (default 100: 100,000 series), ALERTS_BENCH_CORE_ROUNDS (readings per series
 * in process, default 4), ALERTS_BENCH_KAFKA_DEVICES_PER_SITE (default 10: 10,000 series), ALERTS_BENCH_KAFKA_ROUNDS (default 5), ALERTS_BENCH_REPS (default 3), ALERTS_BENCH_KAFKA_REPS (default 2).
 */
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { Pool } from 'pg';
import type { Registry as MetricsRegistry } from 'prom-client';
import { readConnectionSettings } from '../lib/config';
import { createTopicsAndWait } from '../lib/create-topics';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { Measurement } from '../schemas/types';
import { start } from '../stream-processors/alerts';
import { encodeState } from '../stream-processors/alerts/alert-records';
import { evaluateReading } from '../stream-processors/alerts/alert-state';
import { PartitionAlerts, stateKey } from '../stream-processors/alerts/partition-alerts';
import { RuleBook } from '../stream-processors/alerts/rule-book';
import { applyRuleDocuments } from '../stream-processors/alerts/rule-store';
import { alertRuleDocument, nthReading, readingValue, ruleCount, seriesCount, seriesOf, type AlertSeriesLayout } from './lib/alert-series';
import { migratedSchema } from './lib/bench-schema';
import { barChartSvg, formatNumber, writeChart } from './lib/chart';
import { groupLag } from './lib/group-lag';
import { LogEventCounter } from './lib/log-events';
import { resultsDirectory } from './lib/paths';
import { plainConsumerRate } from './lib/plain-consumer';
import { cpuSecondsPerMillion, findServerPids, startCostMeter } from './lib/process-cost';
import { benchProgress } from './lib/progress';
import { repeatInterleaved } from './lib/repeat';
import { writeResult } from './lib/results';
import { summarize } from './lib/stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const layout: AlertSeriesLayout = { sites: 100, metrics: 10, devicesPerSite: env('ALERTS_BENCH_DEVICES_PER_SITE', 100) };
const SERIES = seriesCount(layout);
const RULES = ruleCount(layout);
/**
 * Through Kafka, fewer series (the same rules): a processor that starts
 * matches each series it has not seen against every rule, about a
 * millisecond a series here, so 100,000 series would cost each run two
 * minutes before the first round is through.
 */
const kafkaLayout: AlertSeriesLayout = { ...layout, devicesPerSite: env('ALERTS_BENCH_KAFKA_DEVICES_PER_SITE', 10) };
const KAFKA_SERIES = seriesCount(kafkaLayout);
const CORE_ROUNDS = env('ALERTS_BENCH_CORE_ROUNDS', 4);
const KAFKA_ROUNDS = env('ALERTS_BENCH_KAFKA_ROUNDS', 5);
const REPS = env('ALERTS_BENCH_REPS', 3);
const KAFKA_REPS = env('ALERTS_BENCH_KAFKA_REPS', 2);
/** 1 % of the series cross the thresholds */
const CROSSING_EVERY = 100;
const PARTITIONS = 6;
/** readings per partition between two commits in process (a fetched batch) */
const BATCH = 500;
const ROUND_MS = 60_000;
const log = benchProgress('alerts');

interface CoreRun {
  evaluationsPerSecond: number;
  evaluationsPerCpuSecond: number;
  transitions: number;
  changelogRecords: number;
}

/**
 * What the processor does with a batch, without Kafka: the rules of each
 * reading's series, evaluateReading per (rule, series), the new states
 * staged; per batch the changelog taken (and with `encode`, its records
 * serialized as the processor sends them) and committed. Fresh states each run.
 */
function core(book: RuleBook, rounds: number, encode: boolean): CoreRun {
  const partitions = Array.from({ length: PARTITIONS }, () => new PartitionAlerts());
  const paths = Array.from({ length: SERIES }, (_, i) => seriesOf(i, layout).path);
  const t0 = Date.now() - rounds * ROUND_MS;
  let evaluations = 0;
  let transitions = 0;
  let changelogRecords = 0;
  const flush = () => {
    for (const alerts of partitions) {
      for (const record of alerts.changelog()) {
        changelogRecords++;
        if (encode && record.state) encodeState(record.state);
      }
      alerts.commit();
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let n = 0; n < rounds * SERIES; n++) {
    const i = n % SERIES;
    const path = paths[i]!;
    const alerts = partitions[i % PARTITIONS]!;
    const reading = { path, timestamp: t0 + Math.floor(n / SERIES) * ROUND_MS, value: readingValue(i, Math.floor(n / SERIES), CROSSING_EVERY) } as Measurement;
    for (const { key, rule, sample } of book.readingSamples(reading)) {
      const keyOfState = stateKey(key, path);
      const step = evaluateReading(rule, { ruleKey: key, path }, alerts.get(keyOfState), sample);
      evaluations++;
      if (step.outcome === 'late') continue;
      alerts.stage(keyOfState, step.state);
      transitions += step.transitions.length;
    }
    if ((n + 1) % (BATCH * PARTITIONS) === 0) flush();
  }
  flush();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { evaluationsPerSecond: evaluations / seconds, evaluationsPerCpuSecond: evaluations / ((used.user + used.system) / 1e6), transitions, changelogRecords };
}

/** Sum of a counter's (or a histogram's `_count`) samples in a component's metrics. */
async function metricTotal(registry: MetricsRegistry, name: string, sample = name): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return Number.NaN;
  const { values } = await metric.get();
  return values.filter((v) => (v as { metricName?: string }).metricName === undefined || (v as { metricName?: string }).metricName === sample).reduce((sum, v) => sum + v.value, 0);
}

interface KafkaRun {
  readingsPerSecond: number;
  /** from the moment the group had committed the first round's worth of readings: every series seen, its rules matched */
  readingsPerSecondAfterFirstRound: number;
  seconds: number;
  evaluations: number;
  evaluationsPerCpuSecond: number;
  cpuSecondsPerMillionReadings: number;
  kafkaCpuSecondsPerMillionReadings: number;
  postgresCpuSeconds: number;
  peakRssMiB: number;
  transitions: number;
  transactions: number;
  transactionsFailed: number;
  transactionsAborted: number;
  concurrentTransactionsLogLines: number;
  logEvents: Record<string, number>;
}

async function createTopics(admin: Admin, topics: { topic: string; partitions: number; compact?: boolean }[]): Promise<void> {
  await createTopicsAndWait(admin, topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configEntries: t.compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [] })));
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const document = alertRuleDocument(layout);

  // 1. the pure core, in process
  log(`first sight of ${SERIES} series: matching each against ${RULES} rules`);
  const book = new RuleBook(document.rules);
  const matchStarted = performance.now();
  const paths = Array.from({ length: SERIES }, (_, i) => seriesOf(i, layout).path);
  for (let i = 0; i < SERIES; i++) {
    book.rulesOf(paths[i]!);
    if ((i + 1) % 20_000 === 0) log(`  ${i + 1} series matched`);
  }
  const firstSight = { seconds: (performance.now() - matchStarted) / 1000, microsecondsPerSeries: ((performance.now() - matchStarted) * 1000) / SERIES };
  log(`  ${firstSight.seconds.toFixed(1)} s, ${firstSight.microsecondsPerSeries.toFixed(0)} µs a series`);
  const inProcess = await repeatInterleaved(
    { evaluate: async () => core(book, CORE_ROUNDS, false), evaluateAndEncode: async () => core(book, CORE_ROUNDS, true) },
    { warmups: 1, repetitions: REPS, onRun: (v, r) => log(`in process, ${v}: ${r.warmup ? 'warm-up' : `run ${r.index + 1} of ${REPS}`} (${CORE_ROUNDS * SERIES} readings)`) },
  );

  // 2. through Kafka
  const runId = `bench-alerts-${Date.now().toString(36)}`;
  const logger = componentLogger('alerts-bench');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: runId, logger });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const schema = await migratedSchema(pool, runId.replace(/-/g, '_'));
  const topics = { measurementsTopic: `${runId}.measurements`, alertsTopic: `${runId}.alerts`, deadLetterTopic: `${runId}.deadletter` };
  const created: string[] = [...Object.values(topics)];
  let repetition = 0;
  try {
    await applyRuleDocuments(pool, schema.schema, [{ source: 'bench-alert-rules.json', document }]);
    await createTopics(admin, [
      { topic: topics.measurementsTopic, partitions: PARTITIONS },
      { topic: topics.alertsTopic, partitions: PARTITIONS },
      { topic: topics.deadLetterTopic, partitions: 1 },
    ]);
    const codec = new AvroCodec<Measurement>(createRegistryClient(settings.schemaRegistryUrl), valueSubject(topics.measurementsTopic), avroSchemas.Measurement);
    await codec.register();
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    const total = KAFKA_ROUNDS * KAFKA_SERIES;
    const t0 = Date.now() - KAFKA_ROUNDS * ROUND_MS;
    log(`producing ${total} readings (${KAFKA_ROUNDS} of each of ${KAFKA_SERIES} series) to ${topics.measurementsTopic}`);
    let recordBytes = 0;
    for (let n = 0; n < total; n += 5000) {
      const messages = [];
      for (let k = n; k < Math.min(n + 5000, total); k++) {
        const reading = nthReading(k, t0 + Math.floor(k / KAFKA_SERIES) * ROUND_MS, kafkaLayout, CROSSING_EVERY);
        const value = codec.encode(reading);
        recordBytes = value.length;
        messages.push({ key: reading.path, value });
      }
      await producer.send({ topic: topics.measurementsTopic, acks: -1, messages });
    }
    await producer.disconnect();
    const servers = await findServerPids();

    const throughKafka = async (): Promise<KafkaRun> => {
      const id = `${runId}-${repetition++}`;
      const stateTopic = `${id}.state`;
      await createTopics(admin, [{ topic: stateTopic, partitions: PARTITIONS, compact: true }]);
      created.push(stateTopic);
      const groupId = `${id}-group`;
      const counter = new LogEventCounter({ concurrentTransactions: 'CONCURRENT_TRANSACTIONS' });
      const meter = await startCostMeter({ processor: 'self', kafka: servers.kafka, postgres: servers.postgres });
      const started = performance.now();
      const processor = await start({
        kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, databaseUrl: settings.databaseUrl, databaseSchema: schema.schema,
        ...topics, stateTopic, resolutions: [], groupId, instanceId: 'bench', logger: counter.logger('debug', { component: 'alerts' }),
      });
      let firstRoundAt: number | undefined;
      for (;;) {
        const lag = await groupLag(admin, groupId, [topics.measurementsTopic]);
        if (firstRoundAt === undefined && total - lag >= KAFKA_SERIES) firstRoundAt = performance.now();
        if (lag === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const doneAt = performance.now();
      const costs = await meter.stop();
      const metrics = processor.metrics;
      const [evaluations, transitions, transactions, transactionsFailed] = await Promise.all([
        metricTotal(metrics, 'alerts_evaluations_total'),
        metricTotal(metrics, 'alerts_transitions_total'),
        metricTotal(metrics, 'alerts_transaction_seconds', 'alerts_transaction_seconds_count'),
        metricTotal(metrics, 'alerts_transactions_failed_total'),
      ]);
      await processor.stop();
      const seconds = (doneAt - started) / 1000;
      const cpu = costs.processor?.cpuSeconds ?? Number.NaN;
      const logs = counter.take();
      const result: KafkaRun = {
        readingsPerSecond: total / seconds,
        readingsPerSecondAfterFirstRound: (total - KAFKA_SERIES) / ((doneAt - (firstRoundAt ?? started)) / 1000),
        seconds,
        evaluations,
        evaluationsPerCpuSecond: evaluations / cpu,
        cpuSecondsPerMillionReadings: cpuSecondsPerMillion(cpu, total),
        kafkaCpuSecondsPerMillionReadings: cpuSecondsPerMillion(costs.kafka?.cpuSeconds ?? Number.NaN, total),
        postgresCpuSeconds: costs.postgres?.cpuSeconds ?? Number.NaN,
        peakRssMiB: (costs.processor?.peakRssBytes ?? 0) / 2 ** 20,
        transitions,
        transactions,
        transactionsFailed,
        transactionsAborted: logs.events.transaction_aborted ?? 0,
        concurrentTransactionsLogLines: logs.mentions.concurrentTransactions ?? 0,
        logEvents: logs.events,
      };
      log(`  ${Math.round(result.readingsPerSecond)} readings/s (${Math.round(result.readingsPerSecondAfterFirstRound)} after the first round), ${result.transactions} transactions, ${result.transactionsAborted} aborted, CPU ${cpu.toFixed(1)} s`);
      return result;
    };
    const viaKafka = await repeatInterleaved(
      { processor: throughKafka, plainConsumer: async () => ({ readingsPerSecond: await plainConsumerRate(kafka, topics.measurementsTopic, total, `${runId}-plain-${repetition++}`) }) },
      { warmups: 1, repetitions: KAFKA_REPS, onRun: (v, r) => log(`via Kafka, ${v}: ${r.warmup ? 'warm-up' : `run ${r.index + 1} of ${KAFKA_REPS}`}`) },
    );
    const kafkaRuns = viaKafka.processor as KafkaRun[];
    const plainRuns = viaKafka.plainConsumer as { readingsPerSecond: number }[];

    const of = <T>(runs: T[], field: keyof T) => summarize(runs.map((r) => r[field] as number));
    const medians = {
      firstSightMicrosecondsPerSeries: firstSight.microsecondsPerSeries,
      inProcessEvaluationsPerSecond: of(inProcess.evaluate!, 'evaluationsPerSecond'),
      inProcessEvaluationsPerCpuSecond: of(inProcess.evaluate!, 'evaluationsPerCpuSecond'),
      inProcessWithChangelogEncodingEvaluationsPerCpuSecond: of(inProcess.evaluateAndEncode!, 'evaluationsPerCpuSecond'),
      kafkaReadingsPerSecond: of(kafkaRuns, 'readingsPerSecond'),
      kafkaReadingsPerSecondAfterFirstRound: of(kafkaRuns, 'readingsPerSecondAfterFirstRound'),
      kafkaEvaluationsPerCpuSecond: of(kafkaRuns, 'evaluationsPerCpuSecond'),
      kafkaCpuSecondsPerMillionReadings: of(kafkaRuns, 'cpuSecondsPerMillionReadings'),
      brokerCpuSecondsPerMillionReadings: of(kafkaRuns, 'kafkaCpuSecondsPerMillionReadings'),
      plainConsumerRecordsPerSecond: of(plainRuns, 'readingsPerSecond'),
      transactionsPerRun: of(kafkaRuns, 'transactions'),
      abortedTransactionsPerRun: of(kafkaRuns, 'transactionsAborted'),
    };
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    const ratios = {
      kafkaVsPlainConsumer: ratio(medians.kafkaReadingsPerSecond.median, medians.plainConsumerRecordsPerSecond.median),
      kafkaAfterFirstRoundVsPlainConsumer: ratio(medians.kafkaReadingsPerSecondAfterFirstRound.median, medians.plainConsumerRecordsPerSecond.median),
      abortedPerTransaction: ratio(medians.abortedTransactionsPerRun.median, medians.transactionsPerRun.median),
    };
    const chart = await writeChart(
      join(resultsDirectory(), 'alerts'),
      barChartSvg({
        title: `alerts: ${formatNumber(RULES)} rules; ${formatNumber(SERIES)} series in process (median of ${REPS}), ${formatNumber(KAFKA_SERIES)} via Kafka (of ${KAFKA_REPS})`,
        valueLabel: 'per second, log scale',
        log: true,
        bars: [
          { label: 'pure core, per CPU-second', value: medians.inProcessEvaluationsPerCpuSecond.median, note: 'evaluations' },
          { label: '+ changelog encoding', value: medians.inProcessWithChangelogEncodingEvaluationsPerCpuSecond.median, note: 'evaluations' },
          { label: 'processor via Kafka', value: medians.kafkaReadingsPerSecond.median, note: 'readings (1 evaluation each)' },
          { label: '  after the first round', value: medians.kafkaReadingsPerSecondAfterFirstRound.median, note: 'readings' },
          { label: 'Kafka alone (plain consumer)', value: medians.plainConsumerRecordsPerSecond.median, note: 'records' },
        ],
      }),
    );
    const file = await writeResult('alerts', {
      parameters: {
        rules: RULES, series: SERIES, layout, rulesPerSeries: 1, crossingSeriesShare: 1 / CROSSING_EVERY,
        rule: "warning '> 80' at once, critical '> 95' for 1m, clear '< 75' at once; raw readings",
        inProcess: { rounds: CORE_ROUNDS, readings: CORE_ROUNDS * SERIES, partitions: PARTITIONS, batchPerPartition: BATCH, warmups: 1, repetitions: REPS },
        kafka: { series: KAFKA_SERIES, layout: kafkaLayout, rounds: KAFKA_ROUNDS, readings: total, partitions: PARTITIONS, recordBytes, warmups: 1, repetitions: KAFKA_REPS, history: true, minBytes: '64 KiB (the processor\'s)', transactions: 'one per fetched batch of a partition' },
      },
      repetitions: { inProcess, viaKafka } as unknown as Record<string, Record<string, unknown>[]>,
      medians,
      ratios,
      firstSight,
      chart,
      notes:
        'via Kafka: from start() (joining the group, reading back an empty state topic) until the group committed every reading, the processor in this process (its CPU is this process\'s); after the first round: from when the group had committed one reading per series. transactionsAborted counts transaction_aborted log lines (each an attempt retried or given up)',
    });
    log(`written ${file}`);
    const m = (s: { median: number; min: number; max: number }) => `${Math.round(s.median)} (${Math.round(s.min)}-${Math.round(s.max)})`;
    return {
      evaluationsPerCpuSecondInProcess: m(medians.inProcessEvaluationsPerCpuSecond),
      readingsPerSecondViaKafka: m(medians.kafkaReadingsPerSecond),
      readingsPerSecondViaKafkaAfterFirstRound: m(medians.kafkaReadingsPerSecondAfterFirstRound),
      evaluationsPerCpuSecondViaKafka: m(medians.kafkaEvaluationsPerCpuSecond),
      plainConsumerRecordsPerSecond: m(medians.plainConsumerRecordsPerSecond),
      ratios,
      firstSightMicrosecondsPerSeries: Math.round(firstSight.microsecondsPerSeries),
    };
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.deleteGroups([...Array(repetition + 1).keys()].flatMap((r) => [`${runId}-${r}-group`, `${runId}-${r}-group-history`, `${runId}-plain-${r}`])).catch(() => undefined);
    await admin.disconnect();
    await schema.drop();
    await pool.end();
  }
}
