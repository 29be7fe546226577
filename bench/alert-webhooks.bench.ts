/**
 * From a threshold crossing in a reading to the webhook receiving it (issue
 * 17): readings produced to a fresh readings topic at a fixed rate (5,000/s
 * by default), the real alerts processor (`fleetstream alerts`, 1,000 rules)
 * and the real webhooks republisher (`fleetstream webhooks`, one `alert`
 * subscription, thin payload) as processes of their own, and a local HTTP
 * receiver in this process. 1 % of the series cross a threshold at every
 * reading (firing, then resolved, by turns); latency = the receiver's arrival
 * time minus the moment the crossing reading was handed to the producer.
 * Reference in the same run, interleaved A B A B: Kafka alone, the same
 * readings at the same rate to a topic of their own read by a plain consumer
 * in this process (produce -> consume latency of the crossing readings).
 *
 * Writes bench/results/alert-webhooks.json and alert-webhooks.png/.svg.
 * Env: BENCH_ALERT_WEBHOOKS_RATE (default 5000), BENCH_ALERT_WEBHOOKS_SECONDS (per run, default 15),
 * BENCH_ALERT_WEBHOOKS_REPS (default 3), BENCH_ALERT_WEBHOOKS_DEVICES_PER_SITE (default 10: 10,000 series).
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { createTopicsAndWait } from '../lib/create-topics';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { Measurement } from '../schemas/types';
import { applyRuleDocuments } from '../stream-processors/alerts/rule-store';
import { alertRuleDocument, crosses, nthReading, ruleCount, seriesCount, type AlertSeriesLayout } from './lib/alert-series';
import { migratedSchema } from './lib/bench-schema';
import { lineChartSvg, writeChart } from './lib/chart';
import { startAlertsProcess, transactionWords } from './lib/alerts-process';
import { stopChild } from './lib/component-process';
import { matchDeliveries, type Arrival } from './lib/delivery-latency';
import { batchedOpenLoop } from './lib/fixed-rate-load';
import { LogEventCounter } from './lib/log-events';
import { resultsDirectory } from './lib/paths';
import { findServerPids, startCostMeter } from './lib/process-cost';
import { benchProgress } from './lib/progress';
import { difference, scrapeSums } from './lib/prometheus-text';
import { repeatInterleaved } from './lib/repeat';
import { writeResult } from './lib/results';
import { latencyPercentiles, medianAndRange, quantilePerSecond, summarize } from './lib/stats';
import { waitArrivals } from './lib/wait-arrivals';
import { WebhookReceiver } from './lib/webhook-receiver';
import { benchSubscriptions, createSourceTopics, sourceTopics, startWebhooksProcess } from './lib/webhooks-stack';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = env('BENCH_ALERT_WEBHOOKS_RATE', 5000);
const SECONDS = env('BENCH_ALERT_WEBHOOKS_SECONDS', 15);
const REPS = env('BENCH_ALERT_WEBHOOKS_REPS', 3);
const layout: AlertSeriesLayout = { sites: 100, metrics: 10, devicesPerSite: env('BENCH_ALERT_WEBHOOKS_DEVICES_PER_SITE', 10) };
const CROSSING_EVERY = 100;
const PARTITIONS = 6;
/** long enough for the processor to have matched every series' rules and caught up (at 10 s it was still behind in the first run) */
const WARMUP_SECONDS = 20;
const log = benchProgress('alert-webhooks');

interface Offered {
  /** crossing reading key (`path@timestamp`) -> when it was handed to the producer (performance.now()) */
  crossings: Map<string, number>;
  readings: number;
  startedAt: number;
  seconds: number;
}

/** Readings n = from.. at `rate` for `seconds`, event time = the wall clock at their send; the crossing ones remembered. */
async function offer(producer: Producer, codec: AvroCodec<Measurement>, topic: string, from: number, rate: number, seconds: number): Promise<Offered> {
  const total = Math.round(rate * seconds);
  const crossings = new Map<string, number>();
  const startedAt = performance.now();
  await batchedOpenLoop(rate, total, async (a, b) => {
    const at = performance.now();
    const time = Date.now();
    const messages = [];
    for (let k = a; k < b; k++) {
      const n = from + k;
      const reading = nthReading(n, time, layout, CROSSING_EVERY);
      if (crosses(n % seriesCount(layout), CROSSING_EVERY)) crossings.set(`${reading.path}@${time}`, at);
      messages.push({ key: reading.path, value: codec.encode(reading) });
    }
    await producer.send({ topic, acks: -1, messages });
  });
  return { crossings, readings: total, startedAt, seconds: (performance.now() - startedAt) / 1000 };
}

interface RunResult {
  offeredPerSecond: number;
  producedPerSecond: number;
  crossings: number;
  received: number;
  missing: number;
  repeats: number;
  unknown: number;
  latencyMs: ReturnType<typeof latencyPercentiles>;
  /** per second of the run: p50 and p99 of the arrivals in it */
  perSecond: { second: number; p50: number; p99: number }[];
  [more: string]: unknown;
}

function runResult(offered: Offered, arrivals: Arrival[]): RunResult {
  const match = matchDeliveries(offered.crossings, arrivals);
  const known = arrivals.filter((a) => offered.crossings.has(a.key));
  const rel = known.map((a) => a.at - offered.startedAt);
  const latencies = known.map((a) => a.at - offered.crossings.get(a.key)!);
  const end = Math.max(0, ...rel) + 1;
  const p50 = quantilePerSecond(latencies, rel, 0.5, 0, end);
  const p99 = quantilePerSecond(latencies, rel, 0.99, 0, end);
  return {
    offeredPerSecond: RATE,
    producedPerSecond: offered.readings / offered.seconds,
    crossings: offered.crossings.size,
    received: match.latencies.length,
    missing: match.missing,
    repeats: match.repeats,
    unknown: match.unknown,
    latencyMs: latencyPercentiles(match.latencies),
    perSecond: p50.map((p, i) => ({ second: p.second, p50: p.value, p99: p99[i]?.value ?? Number.NaN })),
  };
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const id = `bench-alert-webhooks-${Date.now().toString(36)}`;
  const logger = componentLogger('alert-webhooks-bench');
  const kafka: Kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: id, logger });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const schema = await migratedSchema(pool, id.replace(/-/g, '_'));
  const topics = sourceTopics(id);
  const extra = { state: `${id}.alert-state`, reference: `${id}.reference` };
  const groups = { alerts: `${id}-alerts`, webhooks: `${id}-webhooks`, reference: `${id}-reference` };
  const receiver = await WebhookReceiver.start();
  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  let alerts: ChildProcess | undefined;
  let webhooks: ChildProcess | undefined;
  let reference: Consumer | undefined;
  try {
    log(`setting up: ${ruleCount(layout)} rules over ${seriesCount(layout)} series, topics of ${PARTITIONS} partitions`);
    await createSourceTopics(admin, topics, PARTITIONS);
    await createTopicsAndWait(admin, [
      { topic: extra.state, numPartitions: PARTITIONS, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: extra.reference, numPartitions: PARTITIONS },
    ]);
    await applyRuleDocuments(pool, schema.schema, [{ source: 'bench-alert-rules.json', document: alertRuleDocument(layout) }]);
    const store = await benchSubscriptions(pool, schema.schema);
    await store.create('bench', { url: receiver.ok('alerts'), eventTypes: ['alert'] }, null);
    const registry = createRegistryClient(settings.schemaRegistryUrl);
    const codec = new AvroCodec<Measurement>(registry, valueSubject(topics.measurements), avroSchemas.Measurement);
    const referenceCodec = new AvroCodec<Measurement>(registry, valueSubject(extra.reference), avroSchemas.Measurement);
    await codec.register();
    await referenceCodec.register();
    await producer.connect();

    const counters = { alerts: new LogEventCounter(transactionWords), webhooks: new LogEventCounter() };
    const startedAlerts = await startAlertsProcess(
      settings,
      { measurements: topics.measurements, rollupTemplate: `${id}.rollups.{resolution}`, alerts: topics.alerts, state: extra.state, deadLetter: topics.deadLetter },
      schema.schema,
      groups.alerts,
      counters.alerts,
    );
    alerts = startedAlerts.child;
    const started = await startWebhooksProcess(settings, topics, schema.schema, groups.webhooks, counters.webhooks);
    webhooks = started.child;
    const metricsUrls = { alerts: startedAlerts.metricsUrl, webhooks: started.metricsUrl };

    // Kafka alone: a plain consumer of the reference topic, in this process as the receiver is
    const referenceArrivals: Arrival[] = [];
    reference = kafka.consumer({ groupId: groups.reference, maxWaitTimeInMs: 100 });
    await reference.connect();
    await reference.subscribe({ topic: extra.reference, fromBeginning: true });
    await reference.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) {
          const reading = await referenceCodec.decode(message.value!);
          if (reading.value !== 50) referenceArrivals.push({ key: `${reading.path}@${reading.timestamp}`, at });
        }
      },
    });

    const servers = await findServerPids();
    let next = 0;
    const keyOf = (body: string) => {
      const data = (JSON.parse(body) as { data: { path: string; eventTime: string } }).data;
      return `${data.path}@${Date.parse(data.eventTime)}`;
    };
    const pipeline = async (seconds: number): Promise<RunResult> => {
      const firstArrival = receiver.received.length;
      const before = { alerts: await scrapeSums(metricsUrls.alerts, ['alerts_transaction_seconds_count', 'alerts_evaluations_total']), webhooks: await scrapeSums(metricsUrls.webhooks, ['webhooks_deliveries_total']) };
      counters.alerts.take();
      counters.webhooks.take();
      const meter = await startCostMeter({ alerts: [alerts!.pid!], webhooks: [webhooks!.pid!], bench: 'self', kafka: servers.kafka, postgres: servers.postgres });
      const offered = await offer(producer, codec, topics.measurements, next, RATE, seconds);
      next += offered.readings;
      await waitArrivals(() => receiver.received.length - firstArrival, offered.crossings.size);
      const costs = await meter.stop();
      const after = { alerts: await scrapeSums(metricsUrls.alerts, ['alerts_transaction_seconds_count', 'alerts_evaluations_total']), webhooks: await scrapeSums(metricsUrls.webhooks, ['webhooks_deliveries_total']) };
      const arrivals = receiver.received.slice(firstArrival).map((r) => ({ key: keyOf(r.body), at: r.at }));
      const alertLogs = counters.alerts.take();
      const transactions = difference(after.alerts, before.alerts).alerts_transaction_seconds_count ?? Number.NaN;
      const result = {
        ...runResult(offered, arrivals),
        transactions,
        transactionsAborted: alertLogs.events.transaction_aborted ?? 0,
        abortedPerTransaction: (alertLogs.events.transaction_aborted ?? 0) / transactions,
        concurrentTransactionsLogLines: alertLogs.mentions.concurrentTransactions ?? 0,
        concurrentOperationLogLines: alertLogs.mentions.concurrentOperation ?? 0,
        evaluations: difference(after.alerts, before.alerts).alerts_evaluations_total,
        deliveries: difference(after.webhooks, before.webhooks).webhooks_deliveries_total,
        logEvents: { alerts: alertLogs.events, webhooks: counters.webhooks.take().events },
        cpuSeconds: Object.fromEntries(Object.entries(costs).map(([name, c]) => [name, Math.round(c.cpuSeconds * 100) / 100])),
        peakRssMiB: { alerts: Math.round((costs.alerts?.peakRssBytes ?? 0) / 2 ** 20), webhooks: Math.round((costs.webhooks?.peakRssBytes ?? 0) / 2 ** 20) },
      };
      log(`  pipeline: ${result.received} of ${result.crossings} crossings posted, p50 ${result.latencyMs.p50.toFixed(0)} ms, p99 ${result.latencyMs.p99.toFixed(0)} ms; ${result.transactions} transactions, ${result.transactionsAborted} aborted, ${result.concurrentOperationLogLines} CONCURRENT_TRANSACTIONS retries logged`);
      return result;
    };
    let nextReference = 0;
    const kafkaAlone = async (seconds: number): Promise<RunResult> => {
      const first = referenceArrivals.length;
      const offered = await offer(producer, referenceCodec, extra.reference, nextReference, RATE, seconds);
      nextReference += offered.readings;
      await waitArrivals(() => referenceArrivals.length - first, offered.crossings.size);
      const result = runResult(offered, referenceArrivals.slice(first));
      log(`  Kafka alone: ${result.received} of ${result.crossings} crossings consumed, p50 ${result.latencyMs.p50.toFixed(0)} ms, p99 ${result.latencyMs.p99.toFixed(0)} ms`);
      return result;
    };

    let warmup = true;
    const runs = await repeatInterleaved(
      {
        pipeline: () => pipeline(warmup ? WARMUP_SECONDS : SECONDS),
        kafkaAlone: async () => {
          const result = await kafkaAlone(warmup ? WARMUP_SECONDS : SECONDS);
          warmup = false;
          return result;
        },
      },
      { warmups: 1, repetitions: REPS, onRun: (v, r) => log(`${v}: ${r.warmup ? `warm-up, ${WARMUP_SECONDS} s` : `run ${r.index + 1} of ${REPS}, ${SECONDS} s`} at ${RATE} readings/s`) },
    );
    const pipelineRuns = runs.pipeline!;
    const referenceRuns = runs.kafkaAlone!;
    const of = (list: RunResult[], pick: (r: RunResult) => number) => summarize(list.map(pick));
    const medians = {
      p50Ms: of(pipelineRuns, (r) => r.latencyMs.p50),
      p99Ms: of(pipelineRuns, (r) => r.latencyMs.p99),
      p999Ms: of(pipelineRuns, (r) => r.latencyMs.p999),
      maxMs: of(pipelineRuns, (r) => r.latencyMs.max),
      producedPerSecond: of(pipelineRuns, (r) => r.producedPerSecond),
      missing: of(pipelineRuns, (r) => r.missing),
      abortedPerTransaction: of(pipelineRuns, (r) => r.abortedPerTransaction as number),
      concurrentTransactionsRetriesPerTransaction: of(pipelineRuns, (r) => (r.concurrentOperationLogLines as number) / (r.transactions as number)),
      transactionsPerRun: of(pipelineRuns, (r) => r.transactions as number),
      kafkaAloneP50Ms: of(referenceRuns, (r) => r.latencyMs.p50),
      kafkaAloneP99Ms: of(referenceRuns, (r) => r.latencyMs.p99),
    };
    // pooled by second of the run: how latency moves over a run
    const pooled = (list: RunResult[], q: 'p50' | 'p99') => {
      const seconds = new Map<number, number[]>();
      for (const r of list) for (const s of r.perSecond) seconds.set(s.second, [...(seconds.get(s.second) ?? []), s[q]]);
      return [...seconds].sort(([a], [b]) => a - b).map(([x, ys]) => ({ x, y: summarize(ys).median }));
    };
    const chart = await writeChart(
      join(resultsDirectory(), 'alert-webhooks'),
      lineChartSvg({
        title: `crossing -> webhook received, ${RATE} readings/s (median of ${REPS} runs)`,
        xLabel: 'second of the run (by arrival)',
        yLabel: 'latency (ms)',
        series: [
          { name: 'alerts + webhooks p50', points: pooled(pipelineRuns, 'p50') },
          { name: 'alerts + webhooks p99', points: pooled(pipelineRuns, 'p99') },
          { name: 'Kafka alone p50', points: pooled(referenceRuns, 'p50'), dashed: true },
          { name: 'Kafka alone p99', points: pooled(referenceRuns, 'p99'), dashed: true },
        ],
      }),
    );
    const file = await writeResult('alert-webhooks', {
      parameters: {
        offeredReadingsPerSecond: RATE, secondsPerRun: SECONDS, warmupSeconds: WARMUP_SECONDS, repetitions: REPS, partitions: PARTITIONS,
        rules: ruleCount(layout), series: seriesCount(layout), crossingSeriesShare: 1 / CROSSING_EVERY, crossingsPerSecond: RATE / CROSSING_EVERY,
        producer: 'kafkajs, acks=all, idempotent, a send of the due readings every 10 ms',
        alerts: 'fleetstream alerts, its own process, defaults (fetch minBytes 64 KiB, wait 1 s), resolutions 1m (an empty rollup topic), history on',
        alertsRulesRefreshInterval: process.env.ALERTS_RULES_REFRESH_INTERVAL ?? '30s (the default)',
        webhooks: 'fleetstream webhooks, its own process, defaults (fetch minBytes 64 KiB, wait 500 ms; 4 in flight per subscription), also reading the readings topic (no subscription wants them)',
        subscription: 'one, event type alert, thin payload, maxBatch 1; the receiver answers 204 at once',
        reference: 'Kafka alone: the same readings at the same rate to a topic of their own, a plain kafkajs consumer (maxWait 100 ms) in this process',
      },
      repetitions: runs as unknown as Record<string, Record<string, unknown>[]>,
      medians,
      chart,
    });
    log(`written ${file}`);
    const m = medianAndRange;
    return { p50Ms: m(medians.p50Ms), p99Ms: m(medians.p99Ms), kafkaAloneP50Ms: m(medians.kafkaAloneP50Ms), kafkaAloneP99Ms: m(medians.kafkaAloneP99Ms), missing: medians.missing.max, abortedPerTransaction: medians.abortedPerTransaction.median, concurrentTransactionsRetriesPerTransaction: medians.concurrentTransactionsRetriesPerTransaction.median };
  } finally {
    await reference?.disconnect().catch(() => undefined);
    await stopChild(webhooks);
    await stopChild(alerts);
    await producer.disconnect().catch(() => undefined);
    await receiver.close();
    await admin.deleteTopics({ topics: [...Object.values(topics), ...Object.values(extra)] }).catch(() => undefined);
    await admin.deleteGroups([...Object.values(groups), `${groups.alerts}-history`]).catch(() => undefined);
    await admin.disconnect();
    await schema.drop();
    await pool.end();
  }
}
