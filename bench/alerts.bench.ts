/**
 * The alerts processor with 1,000 rules over 100,000 series of raw readings
 * (issue 17): rule evaluations per second per core through the pure core
 * alone (RuleBook, evaluateReading, PartitionAlerts, in process, one core),
 * and through Kafka: the processor (`fleetstream alerts`) in a process of its
 * own, every fetched batch a transaction of its events, state changelog and
 * offsets. Each Kafka run: a fresh readings topic holding one reading per
 * series, the processor started and left to commit them (every series new to
 * it: its rules matched), then the other rounds produced at once and timed
 * until the group committed them all; beside it, interleaved, a plain
 * consumer reading the same records (Kafka alone). CPU seconds: the pure
 * core's from process.cpuUsage(), the processor's and the broker's from
 * /proc. Every series is read by one rule (bench/lib/alert-series.ts), so an
 * evaluation is a reading; 1 % of the series cross the thresholds at every
 * reading (firing, resolved, ...).
 *
 * Writes bench/results/alerts.json and alerts.png/.svg.
 * Env: BENCH_ALERTS_DEVICES_PER_SITE (default 100: 100,000 series), BENCH_ALERTS_CORE_ROUNDS (readings per series
 * in process, default 4), BENCH_ALERTS_KAFKA_DEVICES_PER_SITE (default 10: 10,000 series), BENCH_ALERTS_KAFKA_ROUNDS (default 5), BENCH_ALERTS_REPS (default 3), BENCH_ALERTS_KAFKA_REPS (default 2).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { createTopicsAndWait } from '../lib/create-topics';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { Measurement } from '../schemas/types';
import { encodeState } from '../stream-processors/alerts/alert-records';
import { evaluateReading } from '../stream-processors/alerts/alert-state';
import { PartitionAlerts, stateKey } from '../stream-processors/alerts/partition-alerts';
import { RuleBook } from '../stream-processors/alerts/rule-book';
import { applyRuleDocuments } from '../stream-processors/alerts/rule-store';
import { alertRuleDocument, nthReading, readingValue, ruleCount, seriesCount, seriesOf, type AlertSeriesLayout } from './lib/alert-series';
import { startAlertsProcess, transactionWords } from './lib/alerts-process';
import { migratedSchema } from './lib/bench-schema';
import { barChartSvg, formatNumber, writeChart } from './lib/chart';
import { groupLag } from './lib/group-lag';
import { LogEventCounter } from './lib/log-events';
import { resultsDirectory } from './lib/paths';
import { plainConsumerRate } from './lib/plain-consumer';
import { stopChild } from './lib/component-process';
import { cpuSecondsPerMillion, findServerPids, sampleProcess, startCostMeter } from './lib/process-cost';
import { difference, scrapeSums } from './lib/prometheus-text';
import { benchProgress } from './lib/progress';
import { repeatInterleaved } from './lib/repeat';
import { writeResult } from './lib/results';
import { medianAndRange, summarize } from './lib/stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const layout: AlertSeriesLayout = { sites: 100, metrics: 10, devicesPerSite: env('BENCH_ALERTS_DEVICES_PER_SITE', 100) };
const SERIES = seriesCount(layout);
const RULES = ruleCount(layout);
/**
 * Through Kafka, fewer series (the same rules): a processor that starts
 * matches each series it has not seen against every rule, about a
 * millisecond a series here, so 100,000 series would cost each run two
 * minutes before the first round is through.
 */
const kafkaLayout: AlertSeriesLayout = { ...layout, devicesPerSite: env('BENCH_ALERTS_KAFKA_DEVICES_PER_SITE', 10) };
const KAFKA_SERIES = seriesCount(kafkaLayout);
const CORE_ROUNDS = env('BENCH_ALERTS_CORE_ROUNDS', 4);
const KAFKA_ROUNDS = env('BENCH_ALERTS_KAFKA_ROUNDS', 5);
const REPS = env('BENCH_ALERTS_REPS', 3);
const KAFKA_REPS = env('BENCH_ALERTS_KAFKA_REPS', 2);
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

interface KafkaRun {
  /** the first round: every series new to the processor, its rules matched */
  firstRoundReadingsPerSecond: number;
  firstRoundCpuSeconds: number;
  /** the later rounds, produced at once once the first was committed: every series known */
  readingsPerSecond: number;
  seconds: number;
  evaluations: number;
  evaluationsPerCpuSecond: number;
  cpuSecondsPerMillionReadings: number;
  brokerCpuSecondsPerMillionReadings: number;
  postgresCpuSeconds: number;
  peakRssMiB: number;
  transitions: number;
  transactions: number;
  transactionsAborted: number;
  concurrentTransactionsLogLines: number;
  /** kafkajs's retried CONCURRENT_TRANSACTIONS answers, at debug */
  concurrentOperationLogLines: number;
  logEvents: Record<string, number>;
}

const processorMetrics = ['alerts_evaluations_total', 'alerts_transitions_total', 'alerts_transaction_seconds_count', 'alerts_transactions_failed_total'];

async function waitCommitted(admin: Admin, groupId: string, topic: string): Promise<void> {
  while ((await groupLag(admin, groupId, [topic])) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
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

  // 2. through Kafka: the processor in a process of its own, on a readings topic of its own each run
  const runId = `bench-alerts-${Date.now().toString(36)}`;
  const logger = componentLogger('alerts-bench');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: runId, logger });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const schema = await migratedSchema(pool, runId.replace(/-/g, '_'));
  const shared = { rollupTemplate: `${runId}.rollups.{resolution}`, alerts: `${runId}.alerts`, deadLetter: `${runId}.deadletter` };
  const created: string[] = [shared.rollupTemplate.replace('{resolution}', '1m'), shared.alerts, shared.deadLetter];
  const groups: string[] = [];
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  let processor: ChildProcess | undefined;
  try {
    await applyRuleDocuments(pool, schema.schema, [{ source: 'bench-alert-rules.json', document }]);
    await createTopics(admin, [
      { topic: created[0]!, partitions: PARTITIONS },
      { topic: shared.alerts, partitions: PARTITIONS },
      { topic: shared.deadLetter, partitions: 1 },
    ]);
    const registry = createRegistryClient(settings.schemaRegistryUrl);
    await producer.connect();
    const total = KAFKA_ROUNDS * KAFKA_SERIES;
    const t0 = Date.now() - KAFKA_ROUNDS * ROUND_MS;
    let recordBytes = 0;
    const produce = async (codec: AvroCodec<Measurement>, topic: string, from: number, to: number) => {
      for (let n = from; n < to; n += 5000) {
        const messages = [];
        for (let k = n; k < Math.min(n + 5000, to); k++) {
          const reading = nthReading(k, t0 + Math.floor(k / KAFKA_SERIES) * ROUND_MS, kafkaLayout, CROSSING_EVERY);
          const value = codec.encode(reading);
          recordBytes = value.length;
          messages.push({ key: reading.path, value });
        }
        await producer.send({ topic, acks: -1, messages });
      }
    };
    const servers = await findServerPids();

    let repetition = 0;
    let lastTopic = '';
    const throughKafka = async (): Promise<KafkaRun> => {
      const id = `${runId}-${repetition++}`;
      const topics = { measurements: `${id}.measurements`, state: `${id}.state` };
      await createTopics(admin, [{ topic: topics.measurements, partitions: PARTITIONS }, { topic: topics.state, partitions: PARTITIONS, compact: true }]);
      created.push(topics.measurements, topics.state);
      const groupId = `${id}-group`;
      groups.push(groupId, `${groupId}-history`);
      const codec = new AvroCodec<Measurement>(registry, valueSubject(topics.measurements), avroSchemas.Measurement);
      await codec.register();
      log(`  the first round (${KAFKA_SERIES} readings) to ${topics.measurements}; the processor started`);
      await produce(codec, topics.measurements, 0, KAFKA_SERIES);
      const counter = new LogEventCounter(transactionWords);
      const started = await startAlertsProcess(settings, { ...shared, ...topics }, schema.schema, groupId, counter);
      processor = started.child;
      const pid = processor.pid!;
      const first = { at: performance.now(), cpu: (await sampleProcess(pid))?.cpuSeconds ?? Number.NaN };
      await waitCommitted(admin, groupId, topics.measurements);
      const warm = { at: performance.now(), cpu: (await sampleProcess(pid))?.cpuSeconds ?? Number.NaN };
      const before = await scrapeSums(started.metricsUrl, processorMetrics);
      counter.take();
      log(`  first round committed in ${((warm.at - first.at) / 1000).toFixed(1)} s; the other ${KAFKA_ROUNDS - 1} rounds produced at once`);
      const meter = await startCostMeter({ processor: [pid], kafka: servers.kafka, postgres: servers.postgres });
      const producedFrom = performance.now();
      await produce(codec, topics.measurements, KAFKA_SERIES, total);
      await waitCommitted(admin, groupId, topics.measurements);
      const doneAt = performance.now();
      const costs = await meter.stop();
      const metrics = difference(await scrapeSums(started.metricsUrl, processorMetrics), before);
      await stopChild(processor);
      lastTopic = topics.measurements;
      const readings = total - KAFKA_SERIES;
      const cpu = costs.processor?.cpuSeconds ?? Number.NaN;
      const logs = counter.take();
      const result: KafkaRun = {
        firstRoundReadingsPerSecond: KAFKA_SERIES / ((warm.at - first.at) / 1000),
        firstRoundCpuSeconds: warm.cpu - first.cpu,
        readingsPerSecond: readings / ((doneAt - producedFrom) / 1000),
        seconds: (doneAt - producedFrom) / 1000,
        evaluations: metrics.alerts_evaluations_total!,
        evaluationsPerCpuSecond: metrics.alerts_evaluations_total! / cpu,
        cpuSecondsPerMillionReadings: cpuSecondsPerMillion(cpu, readings),
        brokerCpuSecondsPerMillionReadings: cpuSecondsPerMillion(costs.kafka?.cpuSeconds ?? Number.NaN, readings),
        postgresCpuSeconds: costs.postgres?.cpuSeconds ?? Number.NaN,
        peakRssMiB: (costs.processor?.peakRssBytes ?? 0) / 2 ** 20,
        transitions: metrics.alerts_transitions_total!,
        transactions: metrics.alerts_transaction_seconds_count!,
        transactionsAborted: logs.events.transaction_aborted ?? 0,
        concurrentTransactionsLogLines: logs.mentions.concurrentTransactions ?? 0,
        concurrentOperationLogLines: logs.mentions.concurrentOperation ?? 0,
        logEvents: logs.events,
      };
      log(`  ${Math.round(result.readingsPerSecond)} readings/s (first round ${Math.round(result.firstRoundReadingsPerSecond)}/s, ${result.firstRoundCpuSeconds.toFixed(1)} CPU-s), ${result.transactions} transactions, ${result.transactionsAborted} aborted, ${Math.round(result.evaluationsPerCpuSecond)} evaluations per CPU-s`);
      return result;
    };
    const viaKafka = await repeatInterleaved(
      { processor: throughKafka, plainConsumer: async () => {
        const groupId = `${runId}-plain-${groups.length}`;
        groups.push(groupId);
        return { readingsPerSecond: await plainConsumerRate(kafka, lastTopic, total, groupId) };
      } },
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
      kafkaFirstRoundReadingsPerSecond: of(kafkaRuns, 'firstRoundReadingsPerSecond'),
      kafkaFirstRoundCpuSeconds: of(kafkaRuns, 'firstRoundCpuSeconds'),
      kafkaEvaluationsPerCpuSecond: of(kafkaRuns, 'evaluationsPerCpuSecond'),
      kafkaCpuSecondsPerMillionReadings: of(kafkaRuns, 'cpuSecondsPerMillionReadings'),
      brokerCpuSecondsPerMillionReadings: of(kafkaRuns, 'brokerCpuSecondsPerMillionReadings'),
      plainConsumerRecordsPerSecond: of(plainRuns, 'readingsPerSecond'),
      transactionsPerRun: of(kafkaRuns, 'transactions'),
      abortedTransactionsPerRun: of(kafkaRuns, 'transactionsAborted'),
    };
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    const ratios = {
      kafkaVsPlainConsumer: ratio(medians.kafkaReadingsPerSecond.median, medians.plainConsumerRecordsPerSecond.median),
      kafkaEvaluationsPerCpuSecondVsInProcess: ratio(medians.kafkaEvaluationsPerCpuSecond.median, medians.inProcessEvaluationsPerCpuSecond.median),
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
          { label: 'processor, per CPU-second', value: medians.kafkaEvaluationsPerCpuSecond.median, note: 'evaluations' },
          { label: 'processor via Kafka', value: medians.kafkaReadingsPerSecond.median, note: 'readings (1 evaluation each)' },
          { label: '  its first round', value: medians.kafkaFirstRoundReadingsPerSecond.median, note: 'readings, every series new' },
          { label: 'Kafka alone (plain consumer)', value: medians.plainConsumerRecordsPerSecond.median, note: 'records' },
        ],
      }),
    );
    const file = await writeResult('alerts', {
      parameters: {
        rules: RULES, series: SERIES, layout, rulesPerSeries: 1, crossingSeriesShare: 1 / CROSSING_EVERY,
        rule: "warning '> 80' at once, critical '> 95' for 1m, clear '< 75' at once; raw readings",
        inProcess: { rounds: CORE_ROUNDS, readings: CORE_ROUNDS * SERIES, partitions: PARTITIONS, batchPerPartition: BATCH, warmups: 1, repetitions: REPS },
        kafka: {
          series: KAFKA_SERIES, layout: kafkaLayout, rounds: KAFKA_ROUNDS, readings: total, partitions: PARTITIONS, recordBytes, warmups: 1, repetitions: KAFKA_REPS,
          processor: 'fleetstream alerts, its own process, defaults (history on, fetch minBytes 64 KiB, one transaction per fetched batch of a partition), resolutions 1m (an empty rollup topic)',
        },
      },
      repetitions: { inProcess, viaKafka } as unknown as Record<string, Record<string, unknown>[]>,
      medians,
      ratios,
      firstSight,
      chart,
      notes:
        'via Kafka, each run: a fresh readings topic, its first round (one reading per series) produced and the processor started and left to commit it (every series new: its rules matched); then the other rounds produced at once, and timed from the first send until the group committed them all. CPU of the processor\'s process from /proc over that time. transactionsAborted counts transaction_aborted log lines (each an attempt retried or given up). The plain consumer reads the previous run\'s topic, all rounds.',
    });
    log(`written ${file}`);
    const m = medianAndRange;
    return {
      evaluationsPerCpuSecondInProcess: m(medians.inProcessEvaluationsPerCpuSecond),
      readingsPerSecondViaKafka: m(medians.kafkaReadingsPerSecond),
      evaluationsPerCpuSecondViaKafka: m(medians.kafkaEvaluationsPerCpuSecond),
      plainConsumerRecordsPerSecond: m(medians.plainConsumerRecordsPerSecond),
      ratios,
      firstSightMicrosecondsPerSeries: Math.round(firstSight.microsecondsPerSeries),
      abortedTransactions: `${medians.abortedTransactionsPerRun.median} of ${medians.transactionsPerRun.median} per run`,
    };
  } finally {
    await stopChild(processor);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
    await schema.drop();
    await pool.end();
  }
}
