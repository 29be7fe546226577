/**
 * Issue 14's benchmark: a fleet's backlog, hours old, arrives while live
 * traffic flows. Every component runs as its own process (as in end-to-end);
 * a simulated live fleet publishes over MQTT for the whole run. The backlog's
 * devices first send recent readings, so their series' event time is now
 * and every buffered reading after them is late (the hard case: the corrector
 * recomputes its windows from the stored raw readings). Then the backlog
 * arrives over MQTT, each device's readings in time order, the devices
 * interleaved, temperature (a gauge) and an energy meter per device.
 * The backlog's devices first send their recent readings: their last
 * BENCH_BACKLOG_RECENT (2h) a reading every 10 minutes, up to now; the
 * backlog spans the BENCH_BACKLOG_AGE (6h) before now up to that recent span.
 * So their series' event time is now at every stage, their buffered readings
 * are late at 1m, and the corrected 1m windows late at 1h and 1d in turn: the
 * corrections cascade.
 *
 * Measured: how long until every 1m, 1h and 1d rollup of the backlog's series
 * in PostgreSQL equals SQL over their raw rows (from the backlog's first
 * publish; checked every BENCH_BACKLOG_CHECK_SECONDS, one comparison query per
 * resolution, the mismatching windows counted as progress; a 1h or 1d window
 * still open is expected to hold its closed finer windows only, see
 * rollup-mismatches.ts); late readings
 * corrected per second; the live traffic's publish -> Redis latency during the
 * backlog (p99 limit 1 s) and its stored throughput, beside a baseline taken
 * before the backlog; CPU and peak memory of every process.
 *
 * BENCH_BACKLOG_DEVICES (1000), BENCH_BACKLOG_READINGS_PER_DEVICE (1000, over
 * the two series), BENCH_BACKLOG_AGE (6h: the readings span the six hours
 * before now), BENCH_BACKLOG_RATE (backlog readings/s, 5000),
 * BENCH_BACKLOG_LIVE_RATE (5000), BENCH_BACKLOG_LIVE_DEVICES (1000),
 * BENCH_BACKLOG_BASELINE_SECONDS (20), BENCH_BACKLOG_CHECK_SECONDS (10),
 * BENCH_BACKLOG_TIMEOUT (30m, from the backlog's start). The end-to-end bench
 * stores about 12,000 readings/s here at saturation: live plus backlog, 10,000,
 * stays below.
 */
import { join } from 'node:path';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { parseDuration } from '../lib/duration';
import { rootLogger } from '../lib/logger';
import { metricSum, pipelineComponents, startPipeline, stopPipeline, type RunningProcess } from '../infra/local/pipeline';
import { defaultResolutions } from '../schemas/topics';
import { runSimulation, type SimulationStats } from '../simulator';
import { deviceAddress } from '../simulator/fleet';
import { defaultMetrics, type MetricName } from '../simulator/metrics';
import { seriesPath } from '../simulator/payload';
import { createBacklogPlan } from './lib/backlog-plan';
import { lineChartSvg, writeChart } from './lib/chart';
import { startLatencyProbe, type LatencySamples } from './lib/live-latency-probe';
import { publishPaced, type PacedPublishStats } from './lib/paced-publisher';
import { resultsDirectory } from './lib/paths';
import { componentCosts, startPipelineCostMeter, type ComponentCost } from './lib/pipeline-cost';
import { waitPipelineIdle } from './lib/pipeline-idle';
import { measurePipelineReferences, referencesLine, type PipelineReferences } from './lib/pipeline-references';
import { benchProgress } from './lib/progress';
import { writeResult } from './lib/results';
import { compareRollups, type RollupComparison } from './lib/rollup-mismatches';
import { latencyPercentiles, quantilePerSecond } from './lib/stats';
import { storedReadingsOf, waitStored } from './lib/stored-readings';

const parameters = {
  backlogDevices: Number(process.env.BENCH_BACKLOG_DEVICES ?? 1000),
  readingsPerDevice: Number(process.env.BENCH_BACKLOG_READINGS_PER_DEVICE ?? 1000),
  backlogAgeMs: parseDuration(process.env.BENCH_BACKLOG_AGE ?? '6h'),
  recentMs: parseDuration(process.env.BENCH_BACKLOG_RECENT ?? '2h'),
  backlogRate: Number(process.env.BENCH_BACKLOG_RATE ?? 5000),
  liveRate: Number(process.env.BENCH_BACKLOG_LIVE_RATE ?? 5000),
  liveDevices: Number(process.env.BENCH_BACKLOG_LIVE_DEVICES ?? 1000),
  baselineSeconds: Number(process.env.BENCH_BACKLOG_BASELINE_SECONDS ?? 20),
  checkSeconds: Number(process.env.BENCH_BACKLOG_CHECK_SECONDS ?? 10),
  timeoutMs: parseDuration(process.env.BENCH_BACKLOG_TIMEOUT ?? '30m'),
};
const backlogMetrics: MetricName[] = ['temperature', 'energy_kwh'];
const p99LimitMs = 1000;

/** One look at the backlog's progress, seconds from its first publish. */
interface Check {
  atSeconds: number;
  /** how long the three comparison queries took */
  querySeconds: number;
  backlogPublished: number;
  backlogStored: number;
  liveStored: number;
  comparisons: RollupComparison[];
}

function liveSeriesPaths(prefix: string, devices: number): string[] {
  const shape = { devices, tenants: 1, sitesPerTenant: 4, tenantPrefix: prefix };
  return Array.from({ length: devices }, (_, i) => deviceAddress(i, shape)).flatMap((address) => defaultMetrics.map((metric) => seriesPath(address, metric)));
}

/** Late readings taken by each stage, and corrections emitted per resolution, from the rollup processor's metrics. */
async function correctionCounters(opsPort: number): Promise<{ late: Record<string, number>; corrections: Record<string, number> }> {
  const late: Record<string, number> = {};
  const corrections: Record<string, number> = {};
  for (const resolution of defaultResolutions) {
    late[resolution] = await metricSum(opsPort, 'rollups_inputs_total', { stage: `rollups-${resolution}`, outcome: 'late' });
    corrections[resolution] = await metricSum(opsPort, 'rollups_corrections_total', { resolution });
  }
  return { late, corrections };
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

export async function run(): Promise<object> {
  const log = benchProgress('late-backlog');
  const settings = readConnectionSettings();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2, options: '-c jit=off' });
  const run36 = Date.now().toString(36);
  const livePrefix = `bklive${run36}`;
  const livePaths = liveSeriesPaths(livePrefix, parameters.liveDevices);
  const messagesPerDevice = Math.max(1, Math.round(parameters.readingsPerDevice / backlogMetrics.length));
  const quiet = rootLogger.child({ component: 'simulator' }, { level: 'warn' });

  log('starting the pipeline');
  const processes: RunningProcess[] = await startPipeline(pipelineComponents().filter((c) => c.name !== 'query-api'));
  const rollupsPort = processes.find((p) => p.spec.name === 'rollups')!.spec.opsPort;
  const live = new AbortController();
  let liveRun: Promise<SimulationStats | undefined> = Promise.resolve(undefined);
  let measured: BacklogMeasurement;
  let liveStats: SimulationStats | undefined;
  let samples: LatencySamples;
  try {
    await waitPipelineIdle(log);
    const probe = await startLatencyProbe(settings.redisUrl, `fleet:live:/${livePrefix}-*`);
    log(`live traffic: ${parameters.liveRate} readings/s from ${parameters.liveDevices} devices, for the whole run`);
    liveRun = runSimulation(
      { mqttUrl: settings.mqttUrl, devices: parameters.liveDevices, tenants: 1, sitesPerTenant: 4, tenantPrefix: livePrefix, rate: parameters.liveRate, duration: '24h', connections: 16 },
      { signal: live.signal, logger: quiet },
    );
    measured = await measureBacklog({ processes, pool, rollupsPort, livePaths, messagesPerDevice, log, run36 });
    live.abort();
    liveStats = await liveRun;
    samples = await probe.stop();
  } finally {
    live.abort();
    await liveRun.catch(() => undefined);
    await stopPipeline(processes);
  }
  const references = await measurePipelineReferences(settings, log);
  await pool.end();
  return report(measured, samples, liveStats, references);
}

interface BacklogContext {
  processes: RunningProcess[];
  pool: Pool;
  rollupsPort: number;
  livePaths: string[];
  messagesPerDevice: number;
  log: (line: string) => void;
  run36: string;
}

interface BacklogMeasurement {
  plan: { readings: number; messages: number; series: number };
  backlogStart: number;
  /** when the last check ended */
  end: number;
  publish: PacedPublishStats;
  /** per resolution, when the comparison that first found it exact began (epoch ms) */
  exactAt: Record<string, number | null>;
  /** the last of those, or null when some resolution was not exact by the timeout */
  exact: number | null;
  checks: Check[];
  baselineFrom: number;
  baselineLiveThroughput: number;
  liveThroughputDuring: number;
  /** late inputs per stage, and corrections emitted per resolution, during the backlog */
  late: Record<string, number>;
  corrections: Record<string, number>;
  costs: Record<string, ComponentCost>;
}

async function measureBacklog({ processes, pool, rollupsPort, livePaths, messagesPerDevice, log, run36 }: BacklogContext): Promise<BacklogMeasurement> {
  const settings = readConnectionSettings();
  const now = Date.now();
  const plan = createBacklogPlan({
    devices: parameters.backlogDevices,
    messagesPerDevice,
    metrics: backlogMetrics,
    tenantPrefix: `bkold${run36}`,
    from: now - parameters.backlogAgeMs,
    to: now - parameters.recentMs,
    currentAt: now,
    recentMessages: Math.floor(parameters.recentMs / 600_000) + 1,
    seed: 14,
    counterResetProbability: 0.0005,
  });
  const messageRate = parameters.backlogRate / backlogMetrics.length;
  const publishing = { mqttUrl: settings.mqttUrl, messageRate, connections: 16, clientIdPrefix: `bklog${run36}` };

  log(`baseline: live traffic alone for ${parameters.baselineSeconds} s`);
  const baselineStart = { at: Date.now(), stored: await storedReadingsOf(pool, livePaths) };
  await new Promise((resolve) => setTimeout(resolve, parameters.baselineSeconds * 1000));
  const baselineEnd = { at: Date.now(), stored: await storedReadingsOf(pool, livePaths) };

  const recent = plan.recent();
  log(`the backlog's ${parameters.backlogDevices} devices send their recent readings (${recent.length / parameters.backlogDevices} each over the last ${parameters.recentMs / 60_000} min)`);
  const sent = await publishPaced(recent, publishing);
  const recentStored = await waitStored(() => storedReadingsOf(pool, plan.paths), sent.messages * backlogMetrics.length, log);
  if (recentStored.stored < sent.messages * backlogMetrics.length) throw new Error(`only ${recentStored.stored} of the backlog devices' recent readings were stored`);

  const meter = await startPipelineCostMeter(processes);
  const countersBefore = await correctionCounters(rollupsPort);
  const backlogStart = Date.now();
  const liveAtStart = await storedReadingsOf(pool, livePaths);
  log(`backlog: ${plan.readings} readings (${parameters.backlogDevices} devices x ${messagesPerDevice} messages x ${backlogMetrics.length} series, from ${parameters.backlogAgeMs / 3_600_000} h to ${parameters.recentMs / 3_600_000} h before now) at ${parameters.backlogRate} readings/s`);
  let backlogPublished = 0;
  let publishedStats: PacedPublishStats | undefined;
  let publishFailed: unknown;
  const backlogRun = publishPaced(plan.backlog(), {
    ...publishing,
    onProgress: (published) => {
      backlogPublished = published;
    },
  }).then((stats) => {
    publishedStats = stats;
    backlogPublished = stats.messages;
    log(`  backlog published in ${((stats.finishedAt - stats.startedAt) / 1000).toFixed(1)} s (${stats.acked} acked, ${stats.failed} failed)`);
  });
  backlogRun.catch((error: unknown) => {
    publishFailed = error ?? new Error('publishing the backlog failed');
  });

  const checks: Check[] = [];
  const exactAt: Record<string, number | null> = Object.fromEntries(defaultResolutions.map((r) => [r, null]));
  const seconds = (t: number) => (t - backlogStart) / 1000;
  for (;;) {
    if (publishFailed) throw publishFailed;
    const checkStart = Date.now();
    const backlogStored = await storedReadingsOf(pool, plan.paths);
    const liveStored = await storedReadingsOf(pool, livePaths);
    const allStored = publishedStats !== undefined && backlogStored >= plan.readings;
    const comparisons: RollupComparison[] = [];
    for (const [i, resolution] of defaultResolutions.entries()) {
      const queryStart = Date.now();
      const comparison = await compareRollups(pool, resolution, defaultResolutions[i - 1], plan.paths);
      comparisons.push(comparison);
      // exact once the whole backlog is stored and the rollups agree with it at this resolution and every finer one (a
      // coarser window expects its finer windows' finals only, so with none final yet it agrees trivially); the state
      // the query saw is from its start
      const cascadeExact = allStored && comparisons.every((c) => c.mismatching === 0);
      if (cascadeExact && exactAt[resolution] === null) exactAt[resolution] = queryStart;
    }
    const check = { atSeconds: seconds(checkStart), querySeconds: (Date.now() - checkStart) / 1000, backlogPublished: backlogPublished * backlogMetrics.length, backlogStored, liveStored, comparisons };
    checks.push(check);
    log(`  ${check.backlogPublished} published, ${backlogStored} stored; mismatching windows ${comparisons.map((c) => `${c.resolution} ${c.mismatching}/${c.windows}`).join(', ')}; corrected rows ${comparisons.map((c) => c.corrected).join('/')} (checked in ${check.querySeconds.toFixed(1)} s)`);
    if (Object.values(exactAt).every((t) => t !== null)) break;
    if (Date.now() - backlogStart > parameters.timeoutMs) {
      log(`  not exact within ${parameters.timeoutMs / 60_000} min: giving up`);
      break;
    }
    // at least as long as the check took: over a million readings it is heavy work for PostgreSQL, which the live traffic shares
    const took = Date.now() - checkStart;
    await new Promise((resolve) => setTimeout(resolve, Math.max(parameters.checkSeconds * 1000 - took, took)));
  }
  const end = Date.now();
  await backlogRun;
  const liveAtEnd = await storedReadingsOf(pool, livePaths);
  const countersAfter = await correctionCounters(rollupsPort);
  const costs = await meter.stop();
  const exact = Object.values(exactAt).every((t) => t !== null) ? Math.max(...Object.values(exactAt).map(Number)) : null;
  return {
    plan: { readings: plan.readings, messages: plan.messages, series: plan.paths.length },
    backlogStart,
    end,
    publish: publishedStats!, // set once backlogRun resolved
    exactAt,
    exact,
    checks,
    baselineLiveThroughput: (baselineEnd.stored - baselineStart.stored) / ((baselineEnd.at - baselineStart.at) / 1000),
    baselineFrom: baselineStart.at,
    liveThroughputDuring: (liveAtEnd - liveAtStart) / ((end - backlogStart) / 1000),
    late: difference(countersAfter.late, countersBefore.late),
    corrections: difference(countersAfter.corrections, countersBefore.corrections),
    costs: componentCosts(costs, plan.readings),
  };
}

async function report(m: BacklogMeasurement, live: LatencySamples, liveStats: SimulationStats | undefined, references: PipelineReferences | null): Promise<object> {
  const exactSeconds = m.exact === null ? null : (m.exact - m.backlogStart) / 1000;
  const duringEnd = m.exact ?? m.end;
  const during = live.latencies.filter((_, i) => live.arrivedAt[i]! >= m.backlogStart && live.arrivedAt[i]! < duringEnd);
  const before = live.latencies.filter((_, i) => live.arrivedAt[i]! >= m.baselineFrom && live.arrivedAt[i]! < m.backlogStart);
  const latencyDuring = latencyPercentiles(during);
  const latencyBefore = latencyPercentiles(before);
  const lateReadings = m.late['1m'] ?? 0;
  const corrections = Object.values(m.corrections).reduce((a, b) => a + b, 0);
  const publishSeconds = (m.publish.finishedAt - m.publish.startedAt) / 1000;
  const summary = {
    backlogReadings: m.plan.readings,
    backlogPublishSeconds: publishSeconds,
    /** from the backlog's first publish until every 1m, 1h and 1d rollup of its series equals SQL over its raw rows */
    secondsUntilExact: exactSeconds,
    secondsUntilExactByResolution: Object.fromEntries(Object.entries(m.exactAt).map(([r, t]) => [r, t === null ? null : (t - m.backlogStart) / 1000])),
    lateReadings,
    lateReadingsCorrectedPerSecond: exactSeconds ? lateReadings / exactSeconds : null,
    correctionsEmitted: m.corrections,
    correctionsPerSecond: exactSeconds ? corrections / exactSeconds : null,
    liveLatencyMsDuringBacklog: latencyDuring,
    liveLatencyMsBeforeBacklog: latencyBefore,
    liveP99WithinLimit: latencyDuring.p99 < p99LimitMs,
    liveStoredPerSecondBefore: m.baselineLiveThroughput,
    liveStoredPerSecondDuring: m.liveThroughputDuring,
    targets: { liveP99LatencyMs: p99LimitMs },
  };
  const chartEnd = duringEnd + 5000;
  const p99 = quantilePerSecond(live.latencies, live.arrivedAt, 0.99, m.baselineFrom, chartEnd).map((p) => ({ x: p.second + (m.baselineFrom - m.backlogStart) / 1000, y: p.value }));
  const chart = await writeChart(
    join(resultsDirectory(), 'late-backlog'),
    lineChartSvg({
      title: `fleetstream: a ${m.plan.readings.toLocaleString('en')}-reading backlog, ${parameters.backlogAgeMs / 3_600_000} h old, under ${parameters.liveRate} live readings/s (2 cores)`,
      xLabel: "seconds from the backlog's first publish",
      yLabel: 'windows not yet exact',
      rightLabel: 'live publish -> Redis p99 per second (ms)',
      series: [
        ...defaultResolutions.map((resolution) => ({ name: `${resolution} windows not exact`, points: m.checks.map((c) => ({ x: c.atSeconds, y: c.comparisons.find((x) => x.resolution === resolution)!.mismatching })) })),
        { name: 'live p99 (ms)', axis: 'right' as const, points: p99 },
        { name: '1 s limit', axis: 'right' as const, dashed: true, points: p99.length > 0 ? [{ x: p99[0]!.x, y: p99LimitMs }, { x: p99[p99.length - 1]!.x, y: p99LimitMs }] : [] },
      ],
    }),
  );
  await writeResult('late-backlog', {
    parameters: { ...parameters, backlogMetrics, readingsPerLiveMessage: defaultMetrics.length, liveConnections: 16, backlogConnections: 16, p99LimitMs },
    repetitions: [{ publish: m.publish, checks: m.checks, live: liveStats, costs: m.costs }] as unknown as Record<string, unknown>[],
    medians: summary,
    references,
    chart,
  });

  const f = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
  console.log(`\nbacklog: ${m.plan.readings} readings of ${m.plan.series} series, published in ${f(publishSeconds, 1)} s (${f(m.plan.readings / publishSeconds)} readings/s)`);
  console.log(`every rollup exact after ${f(exactSeconds, 1)} s (1m ${f(summary.secondsUntilExactByResolution['1m'], 1)}, 1h ${f(summary.secondsUntilExactByResolution['1h'], 1)}, 1d ${f(summary.secondsUntilExactByResolution['1d'], 1)}; checked every ${parameters.checkSeconds} s)`);
  console.log(`late readings: ${lateReadings} (1h stage ${m.late['1h'] ?? 0}, 1d ${m.late['1d'] ?? 0}), ${f(summary.lateReadingsCorrectedPerSecond)} corrected/s; corrections emitted ${Object.entries(m.corrections).map(([r, n]) => `${r} ${n}`).join(', ')} (${f(summary.correctionsPerSecond)}/s)`);
  console.log(`live latency during the backlog: p50 ${f(latencyDuring.p50)} ms, p99 ${f(latencyDuring.p99)} ms, p99.9 ${f(latencyDuring.p999)} ms, max ${f(latencyDuring.max)} ms (${latencyDuring.n} samples): ${summary.liveP99WithinLimit ? 'PASS' : 'FAIL'} against the ${p99LimitMs} ms p99 limit; before it p50 ${f(latencyBefore.p50)}, p99 ${f(latencyBefore.p99)} ms`);
  console.log(`live stored throughput: ${f(m.liveThroughputDuring)} readings/s during the backlog, ${f(m.baselineLiveThroughput)} before it (offered ${parameters.liveRate})`);
  console.log('cpu s, peak RSS MiB:');
  for (const [name, c] of Object.entries(m.costs)) console.log(`  ${name.padEnd(15)} ${c.cpuSeconds.toFixed(1).padStart(7)} s  ${c.peakRssMiB.toFixed(0).padStart(6)} MiB`);
  console.log(referencesLine(references));
  return summary;
}
