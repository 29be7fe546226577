/**
 * Webhook deliveries per second to a local receiver, and what one endpoint
 * that never answers costs the others (issue 17). The real webhooks
 * republisher (`fleetstream webhooks`, its own process) reads alert events
 * produced here to a fresh alerts topic; four healthy subscriptions (thin
 * payload, one event a request) each get every event, at a receiver in this
 * process that answers 204 at once. Variant B adds a fifth subscription
 * whose endpoint never answers (each attempt ends at the request timeout,
 * 15 s by default, then waits its retry). Interleaved A B A B:
 *  - at a fixed offered rate (events produced at BENCH_WEBHOOKS_RATE/s for
 *    BENCH_WEBHOOKS_SECONDS): the healthy endpoints' deliveries/s and the
 *    latency from an event's produce to its arrival;
 *  - peak: a backlog of BENCH_WEBHOOKS_BACKLOG events produced at once, the
 *    healthy deliveries/s from the first arrival to the last; beside A and B
 *    a third variant, a fifth endpoint that answers (not counted): B writes
 *    a fifth outbox message per event too, and this tells that cost from
 *    the hung endpoint's.
 * Each run its own subscriptions (path filter of the run), removed after it;
 * after a B run, the next waits until the hung requests were given up.
 *
 * Writes bench/results/webhooks.json and webhooks.png/.svg.
 * Env: BENCH_WEBHOOKS_RATE (events/s, default 50: 200 deliveries/s), BENCH_WEBHOOKS_SECONDS (default 10),
 * BENCH_WEBHOOKS_BACKLOG (default 1500), BENCH_WEBHOOKS_REPS (default 2), BENCH_WEBHOOKS_REQUEST_TIMEOUT (default 15s).
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Producer } from 'kafkajs';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import type { SubscriptionStore } from '../query-api/webhooks/subscription-store';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { AlertEvent } from '../schemas/types';
import { benchTenant } from './lib/alert-series';
import { migratedSchema } from './lib/bench-schema';
import { barChartSvg, formatNumber, writeChart } from './lib/chart';
import { stopChild } from './lib/component-process';
import { matchDeliveries } from './lib/delivery-latency';
import { batchedOpenLoop } from './lib/fixed-rate-load';
import { LogEventCounter } from './lib/log-events';
import { resultsDirectory } from './lib/paths';
import { findServerPids, startCostMeter } from './lib/process-cost';
import { benchProgress } from './lib/progress';
import { difference, scrapeSums } from './lib/prometheus-text';
import { repeatInterleaved } from './lib/repeat';
import { writeResult } from './lib/results';
import { latencyPercentiles, medianAndRange, summarize } from './lib/stats';
import { waitArrivals } from './lib/wait-arrivals';
import { WebhookReceiver } from './lib/webhook-receiver';
import { benchSubscriptions, createSourceTopics, sourceTopics, startWebhooksProcess } from './lib/webhooks-stack';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = env('BENCH_WEBHOOKS_RATE', 50);
const SECONDS = env('BENCH_WEBHOOKS_SECONDS', 10);
const BACKLOG = env('BENCH_WEBHOOKS_BACKLOG', 1500);
const REPS = env('BENCH_WEBHOOKS_REPS', 2);
const REQUEST_TIMEOUT = process.env.BENCH_WEBHOOKS_REQUEST_TIMEOUT ?? '15s';
const HEALTHY = 4;
const PARTITIONS = 6;
/** the republisher reads its subscriptions again every 2 s (its default) */
const REFRESH_WAIT_MS = 2500;
const log = benchProgress('webhooks');
const metricNames = ['webhooks_deliveries_total', 'webhooks_attempts_total', 'webhooks_messages_total', 'webhooks_failures_total'];

interface RunResult {
  /** healthy: the four; withTimeout: and one that never answers; fiveHealthy: and a fifth that answers (not counted): as many outbox messages as withTimeout */
  variant: 'healthy' | 'withTimeout' | 'fiveHealthy';
  mode: 'rate' | 'peak';
  events: number;
  /** deliveries expected at the healthy endpoints: events x 4 */
  expected: number;
  delivered: number;
  missing: number;
  repeats: number;
  /** healthy deliveries per second: rate runs from the first produce to the last arrival, peak runs from the first arrival to the last */
  deliveriesPerSecond: number;
  latencyMs: ReturnType<typeof latencyPercentiles>;
  /** requests the never-answering endpoint got */
  hungRequests: number;
  metrics: Record<string, number>;
  cpuSeconds: Record<string, number>;
}

function alertEventOf(tag: string, j: number, now: number): AlertEvent {
  const path = `/${benchTenant}/${tag}/d${j % 100}/m0`;
  return {
    alarmId: `${tag}-${j}`, tenant: benchTenant, ruleId: 'r0', path, transition: 'firing', from: 'normal', to: 'firing', severity: 'warning', previousSeverity: null,
    value: 90, reads: 'raw', eventTime: now, episodeStart: now, labels: {}, emittedAt: now,
  };
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const id = `bench-webhooks-${Date.now().toString(36)}`;
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: id, logger: componentLogger('webhooks-bench') });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const schema = await migratedSchema(pool, id.replace(/-/g, '_'));
  const topics = sourceTopics(id);
  const groupId = `${id}-webhooks`;
  const receiver = await WebhookReceiver.start();
  const producer: Producer = kafka.producer({ ...producerDefaults, idempotent: true });
  let webhooks: ChildProcess | undefined;
  try {
    log('setting up');
    await createSourceTopics(admin, topics, PARTITIONS);
    const store: SubscriptionStore = await benchSubscriptions(pool, schema.schema);
    const codec = new AvroCodec<AlertEvent>(createRegistryClient(settings.schemaRegistryUrl), valueSubject(topics.alerts), avroSchemas.AlertEvent);
    await codec.register();
    await producer.connect();
    const counter = new LogEventCounter();
    const started = await startWebhooksProcess(settings, topics, schema.schema, groupId, counter, { WEBHOOKS_REQUEST_TIMEOUT: REQUEST_TIMEOUT });
    webhooks = started.child;
    const servers = await findServerPids();

    let runs = 0;
    const measure = async (variant: RunResult['variant'], mode: RunResult['mode'], events: number): Promise<RunResult> => {
      const tag = `run${runs++}`;
      const healthy = Array.from({ length: HEALTHY }, (_, e) => `${tag}-h${e}`);
      const subscriptions = [];
      for (const name of healthy) subscriptions.push(await store.create(benchTenant, { url: receiver.ok(name), eventTypes: ['alert'], pathFilter: `/${benchTenant}/${tag}/#` }, null));
      const fifth = variant === 'withTimeout' ? receiver.never(tag) : variant === 'fiveHealthy' ? receiver.ok(`${tag}-extra`) : undefined;
      if (fifth) subscriptions.push(await store.create(benchTenant, { url: fifth, eventTypes: ['alert'], pathFilter: `/${benchTenant}/${tag}/#` }, null));
      await new Promise((resolve) => setTimeout(resolve, REFRESH_WAIT_MS));
      const first = receiver.received.length;
      const before = await scrapeSums(started.metricsUrl, metricNames);
      const meter = await startCostMeter({ webhooks: [webhooks!.pid!], bench: 'self', kafka: servers.kafka, postgres: servers.postgres });
      const produced = new Map<string, number>();
      const producedAt = performance.now();
      const send = async (a: number, b: number) => {
        const at = performance.now();
        const now = Date.now();
        const messages = [];
        for (let j = a; j < b; j++) {
          const event = alertEventOf(tag, j, now);
          for (const name of healthy) produced.set(`/ok/${name}|${event.alarmId}`, at);
          messages.push({ key: event.path, value: codec.encode(event) });
        }
        await producer.send({ topic: topics.alerts, acks: -1, messages });
      };
      if (mode === 'rate') await batchedOpenLoop(RATE, events, send);
      else for (let j = 0; j < events; j += 1000) await send(j, Math.min(events, j + 1000));
      const counted = (path: string) => healthy.some((name) => path === `/ok/${name}`);
      const healthyArrivals = () => receiver.received.slice(first).filter((r) => counted(r.path)).length;
      await waitArrivals(healthyArrivals, events * HEALTHY, 5000, 120_000);
      const costs = await meter.stop();
      const metrics = difference(await scrapeSums(started.metricsUrl, metricNames), before);
      const arrivals = receiver.received.slice(first).filter((r) => counted(r.path));
      const match = matchDeliveries(produced, arrivals.map((r) => ({ key: `${r.path}|${(JSON.parse(r.body) as { data: { alarmId: string } }).data.alarmId}`, at: r.at })));
      const last = Math.max(...arrivals.map((r) => r.at));
      const from = mode === 'rate' ? producedAt : Math.min(...arrivals.map((r) => r.at));
      const result: RunResult = {
        variant,
        mode,
        events,
        expected: events * HEALTHY,
        delivered: match.latencies.length,
        missing: match.missing,
        repeats: match.repeats,
        deliveriesPerSecond: match.latencies.length / ((last - from) / 1000),
        latencyMs: latencyPercentiles(match.latencies),
        hungRequests: receiver.to(`/never/${tag}`).length,
        metrics,
        cpuSeconds: Object.fromEntries(Object.entries(costs).map(([name, c]) => [name, Math.round(c.cpuSeconds * 100) / 100])),
      };
      for (const s of subscriptions) await store.remove(s.record.id);
      log(`  ${result.delivered} of ${result.expected} delivered, ${Math.round(result.deliveriesPerSecond)}/s, p50 ${result.latencyMs.p50.toFixed(0)} ms, p99 ${result.latencyMs.p99.toFixed(0)} ms, ${result.hungRequests} requests to the hung endpoint`);
      if (variant === 'withTimeout') {
        // the hung requests end at the request timeout: let them, before the next run
        const deadline = Date.now() + 60_000;
        while (receiver.openNever > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return result;
    };

    const onRun = (what: string) => (variant: string, r: { warmup: boolean; index: number }) => log(`${what}, ${variant}: ${r.warmup ? 'warm-up' : `run ${r.index + 1} of ${REPS}`}`);
    const atRate = await repeatInterleaved(
      { healthy: () => measure('healthy', 'rate', RATE * SECONDS), withTimeout: () => measure('withTimeout', 'rate', RATE * SECONDS) },
      { warmups: 1, repetitions: REPS, onRun: onRun(`${RATE} events/s x ${HEALTHY} endpoints for ${SECONDS} s`) },
    );
    const peak = await repeatInterleaved(
      { healthy: () => measure('healthy', 'peak', BACKLOG), withTimeout: () => measure('withTimeout', 'peak', BACKLOG), fiveHealthy: () => measure('fiveHealthy', 'peak', BACKLOG) },
      { warmups: 0, repetitions: REPS, onRun: onRun(`peak, a backlog of ${BACKLOG} events x ${HEALTHY} endpoints`) },
    );

    const of = (list: RunResult[], pick: (r: RunResult) => number) => summarize(list.map(pick));
    const medians = {
      peakDeliveriesPerSecond: of(peak.healthy!, (r) => r.deliveriesPerSecond),
      peakDeliveriesPerSecondWithTimeout: of(peak.withTimeout!, (r) => r.deliveriesPerSecond),
      peakDeliveriesPerSecondWithFifthHealthy: of(peak.fiveHealthy!, (r) => r.deliveriesPerSecond),
      atRateDeliveriesPerSecond: of(atRate.healthy!, (r) => r.deliveriesPerSecond),
      atRateDeliveriesPerSecondWithTimeout: of(atRate.withTimeout!, (r) => r.deliveriesPerSecond),
      atRateP50Ms: of(atRate.healthy!, (r) => r.latencyMs.p50),
      atRateP50MsWithTimeout: of(atRate.withTimeout!, (r) => r.latencyMs.p50),
      atRateP99Ms: of(atRate.healthy!, (r) => r.latencyMs.p99),
      atRateP99MsWithTimeout: of(atRate.withTimeout!, (r) => r.latencyMs.p99),
      missing: of([...atRate.healthy!, ...atRate.withTimeout!, ...peak.healthy!, ...peak.withTimeout!], (r) => r.missing),
    };
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    const ratios = {
      peakWithTimeoutVsHealthy: ratio(medians.peakDeliveriesPerSecondWithTimeout.median, medians.peakDeliveriesPerSecond.median),
      peakWithTimeoutVsFiveHealthy: ratio(medians.peakDeliveriesPerSecondWithTimeout.median, medians.peakDeliveriesPerSecondWithFifthHealthy.median),
      p99WithTimeoutVsHealthy: ratio(medians.atRateP99MsWithTimeout.median, medians.atRateP99Ms.median),
    };
    const spread = (s: { min: number; max: number }) => `(${formatNumber(s.min)}-${formatNumber(s.max)})`;
    const chart = await writeChart(
      join(resultsDirectory(), 'webhooks'),
      barChartSvg({
        title: `webhooks: ${HEALTHY} healthy endpoints, without and with one that never answers (median of ${REPS})`,
        valueLabel: 'deliveries/s to the healthy endpoints; latency in ms',
        bars: [
          { label: 'peak deliveries/s', value: medians.peakDeliveriesPerSecond.median, note: spread(medians.peakDeliveriesPerSecond) },
          { label: '  + hung endpoint', value: medians.peakDeliveriesPerSecondWithTimeout.median, note: spread(medians.peakDeliveriesPerSecondWithTimeout) },
          { label: '  + fifth healthy one', value: medians.peakDeliveriesPerSecondWithFifthHealthy.median, note: spread(medians.peakDeliveriesPerSecondWithFifthHealthy) },
          { label: `p99 ms at ${RATE * HEALTHY}/s`, value: medians.atRateP99Ms.median, note: spread(medians.atRateP99Ms) },
          { label: '  + hung endpoint', value: medians.atRateP99MsWithTimeout.median, note: spread(medians.atRateP99MsWithTimeout) },
          { label: `p50 ms at ${RATE * HEALTHY}/s`, value: medians.atRateP50Ms.median, note: spread(medians.atRateP50Ms) },
          { label: '  + hung endpoint', value: medians.atRateP50MsWithTimeout.median, note: spread(medians.atRateP50MsWithTimeout) },
        ],
      }),
    );
    const file = await writeResult('webhooks', {
      parameters: {
        healthyEndpoints: HEALTHY, offeredEventsPerSecond: RATE, offeredDeliveriesPerSecond: RATE * HEALTHY, secondsPerRun: SECONDS, backlogEvents: BACKLOG, repetitions: REPS, partitions: PARTITIONS,
        requestTimeout: REQUEST_TIMEOUT, payload: 'thin alert events, maxBatch 1', receiver: 'node:http in this process, 204 at once; the hung one never answers',
        webhooks: 'fleetstream webhooks, its own process, defaults otherwise (4 in flight per subscription, fetch minBytes 64 KiB / wait 500 ms, default retry schedule)',
      },
      repetitions: { atRate, peak } as unknown as Record<string, Record<string, unknown>[]>,
      medians,
      ratios,
      logEvents: counter.take().events,
      chart,
    });
    log(`written ${file}`);
    const m = medianAndRange;
    return {
      peakDeliveriesPerSecond: m(medians.peakDeliveriesPerSecond),
      peakDeliveriesPerSecondWithTimeout: m(medians.peakDeliveriesPerSecondWithTimeout),
      peakDeliveriesPerSecondWithFifthHealthy: m(medians.peakDeliveriesPerSecondWithFifthHealthy),
      p99MsAtRate: m(medians.atRateP99Ms),
      p99MsAtRateWithTimeout: m(medians.atRateP99MsWithTimeout),
      ratios,
    };
  } finally {
    await stopChild(webhooks);
    await producer.disconnect().catch(() => undefined);
    await receiver.close();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
    await schema.drop();
    await pool.end();
  }
}
