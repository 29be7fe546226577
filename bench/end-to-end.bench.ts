/**
 * The whole pipeline at stepped offered load: simulated devices publish over
 * MQTT, every component runs as its own process, and each step counts what
 * reached PostgreSQL (not what was sent), measures publish -> latest value in
 * Redis latency, and the CPU and memory of every component and server. The
 * servers' own limits are measured in the same run for reference.
 *
 * BENCH_E2E_STEPS (readings/s, comma-separated; default 1000,5000,10000,20000,25000,30000,40000),
 * BENCH_E2E_STEP_SECONDS (default 20). Stepping stops once a step saturates.
 *
 * Here the devices share 16 plain connections of the local stack's
 * development account; end-to-end-own-tls.bench.ts runs the same steps with
 * a TLS connection and credentials per device (`runEndToEnd`'s mode).
 */
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { rootLogger } from '../lib/logger';
import { pipelineComponents, startPipeline, stopPipeline, type RunningProcess } from '../infra/local/pipeline';
import { lineChartSvg, writeChart } from './lib/chart';
import { componentCosts, startPipelineCostMeter, type ComponentCost } from './lib/pipeline-cost';
import { waitPipelineIdle } from './lib/pipeline-idle';
import { measurePipelineReferences, referencesLine } from './lib/pipeline-references';
import { benchProgress } from './lib/progress';
import { resultsDirectory } from './lib/paths';
import { startLatencyProbe } from './lib/live-latency-probe';
import { writeResult } from './lib/results';
import { latencyPercentiles } from './lib/stats';
import { analyzeMeasurements, storedReadingsSince, waitStored } from './lib/stored-readings';
import { runSimulation } from '../simulator';
import { join } from 'node:path';

const steps = (process.env.BENCH_E2E_STEPS ?? '1000,5000,10000,20000,25000,30000,40000').split(',').map(Number);
const stepSeconds = Number(process.env.BENCH_E2E_STEP_SECONDS ?? 20);
const devices = 2000;
/**
 * How the simulated devices connect: `shared-plain`, 16 plain connections of
 * the development account; `own-tls`, every device its own credentials in
 * the registry and its own MQTT connection over TLS (MQTT_TLS_URL,
 * MQTT_CA_FILE; the broker checks each against the registry's auth file and
 * its ACLs), as a real fleet connects (issue 15: what authentication and TLS
 * cost).
 */
export type DeviceMode = 'shared-plain' | 'own-tls';

/**
 * How the simulated devices connect. own-tls: each device its own connection
 * over TLS with its own credentials, provisioned once (kept in a credentials
 * file of the bench's; its tenant name is the same in every step, and each
 * step counts the readings stamped after it started).
 */
function deviceConnection(deviceMode: DeviceMode, prefix: string): Parameters<typeof runSimulation>[0] {
  const settings = readConnectionSettings();
  if (deviceMode === 'shared-plain') return { mqttUrl: settings.mqttUrl, devices, tenants: 1, sitesPerTenant: 4, tenantPrefix: prefix, connections: 16 };
  const tlsUrl = process.env.MQTT_TLS_URL;
  const caFile = process.env.MQTT_CA_FILE;
  if (!tlsUrl || !caFile) throw new Error('end-to-end-own-tls needs MQTT_TLS_URL and MQTT_CA_FILE: run it through `make bench`, or eval "$(infra/local/stack.sh env)" first');
  return {
    mqttUrl: tlsUrl, mqttCaFile: caFile, provision: true, credentialsFile: '.local/bench/end-to-end-devices', registryDatabaseUrl: settings.databaseUrl,
    devices, tenants: 1, sitesPerTenant: 4, tenantPrefix: 'e2eowntls',
  };
}

interface StepResult {
  offered: number;
  published: number;
  publishRate: number;
  stored: number;
  lost: number;
  /** Readings in publishes the broker never acknowledged (failed, or still unacknowledged when the simulator stopped): part of `lost` if they are missing, and then the publisher's loss, not the pipeline's. */
  unacknowledged: number;
  /** stored readings per second, from the first publish to the last row stored */
  throughput: number;
  /** how long after the publisher stopped the last reading was stored */
  catchUpSeconds: number;
  latencyMs: ReturnType<typeof latencyPercentiles>;
  latencySamples: number;
  rollupRows: number;
  cost: Record<string, ComponentCost>;
}

/**
 * A step the pipeline sustained: offered in full, nothing lost, the stores caught up within 2 s
 * of the publisher stopping (a pipeline slower than the offered rate by a tenth would need 2 s to
 * drain a 20 s step), and the step's series have 1m rollups stored.
 */
function keptUp(step: StepResult): boolean {
  return step.lost === 0 && step.publishRate >= 0.95 * step.offered && step.catchUpSeconds <= 2 && step.rollupRows > 0;
}

async function runStep(deviceMode: DeviceMode, offered: number, processes: RunningProcess[], pool: Pool, log: (line: string) => void): Promise<StepResult> {
  const settings = readConnectionSettings();
  const connection = deviceConnection(deviceMode, `e2e${offered}x${Date.now().toString(36)}`);
  const prefix = connection.tenantPrefix!;
  const probe = await startLatencyProbe(settings.redisUrl, `fleet:live:/${prefix}-*`);
  const meter = await startPipelineCostMeter(processes);
  const started = Date.now();
  // from the first publish: with a connection per device, connecting takes seconds before it
  let firstPublish: number | undefined;
  const stats = await runSimulation(
    { ...connection, rate: offered, duration: `${stepSeconds}s` },
    {
      onMessage: (_message, sentAt) => {
        firstPublish ??= sentAt;
      },
      onProgress: (p) => log(`  ${offered} readings/s offered: ${p.readings} published, ${Math.round(p.ratePerSecond)}/s`),
      logger: rootLogger.child({ component: 'simulator' }, { level: 'warn' }),
    },
  );
  const publisherDone = Date.now();
  // the simulator stamps readings with the time it publishes them; with one tenant name in every step, only this step's count
  const since = deviceMode === 'own-tls' ? started : started - 60_000;
  const { stored, at } = await waitStored(() => storedReadingsSince(pool, prefix, since), stats.readings, log);
  const costs = await meter.stop();
  const { latencies } = await probe.stop();
  const rollupRows = Number((await pool.query<{ n: string }>('select count(*) as n from rollups_1m where path like $1', [`/${prefix}-%`])).rows[0]?.n ?? 0);
  const cost = componentCosts(costs, stored);
  return {
    offered,
    published: stats.readings,
    publishRate: stats.ratePerSecond,
    stored,
    lost: stats.readings - stored,
    unacknowledged: (stats.messages - stats.acked) * stats.readingsPerMessage,
    throughput: stored / ((at - (firstPublish ?? started)) / 1000),
    catchUpSeconds: Math.max(0, (at - publisherDone) / 1000),
    latencyMs: latencyPercentiles(latencies),
    latencySamples: latencies.length,
    rollupRows,
    cost,
  };
}

export function run(): Promise<object> {
  return runEndToEnd('shared-plain');
}

export async function runEndToEnd(deviceMode: DeviceMode): Promise<object> {
  const resultName = deviceMode === 'own-tls' ? 'end-to-end-own-tls' : 'end-to-end';
  const log = benchProgress(resultName);
  const settings = readConnectionSettings();
  // no JIT: a count over the measurements table of a day of benches is planned costly enough to be compiled, and took 1.2 s with JIT against 1.0 s without
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2, options: '-c jit=off' });
  log('starting the pipeline');
  const processes = await startPipeline(pipelineComponents({ 'query-api': { QUERY_API_TOKENS: 'bench-token-not-used-00:bench', QUERY_API_PORT: '8080' } }));
  const results: StepResult[] = [];
  try {
    log(`warm-up: 1000 readings/s for 10 s${deviceMode === 'own-tls' ? `, the ${devices} devices provisioned first where they are not yet` : ''}`);
    const warmUp = deviceMode === 'own-tls' ? deviceConnection(deviceMode, '') : { mqttUrl: settings.mqttUrl, devices: 200, tenants: 1, tenantPrefix: 'e2ewarmup' };
    await runSimulation({ ...warmUp, rate: 1000, duration: '10s' }, { logger: rootLogger.child({}, { level: 'warn' }) });
    await waitPipelineIdle(log);
    await analyzeMeasurements(pool);
    for (const offered of steps) {
      log(`step: ${offered} readings/s for ${stepSeconds} s`);
      const step = await runStep(deviceMode, offered, processes, pool, log);
      results.push(step);
      log(`  stored ${step.stored} of ${step.published} (lost ${step.lost}${step.unacknowledged > 0 ? `, ${step.unacknowledged} never acknowledged by the broker` : ''}), ${Math.round(step.throughput)} readings/s, p50 ${step.latencyMs.p50.toFixed(0)} ms, p99 ${step.latencyMs.p99.toFixed(0)} ms`);
      // saturated: the publisher could not offer the rate, the stores fell behind, or something was lost
      if (!keptUp(step)) break;
    }
  } finally {
    await stopPipeline(processes);
  }

  const references = await measurePipelineReferences(settings, log);
  await pool.end();

  const kept = results.filter(keptUp);
  const sustained = kept.reduce((best, r) => Math.max(best, r.throughput), 0);
  const sustainedOffered = kept.reduce((best, r) => Math.max(best, r.offered), 0);
  const at5k = results.find((r) => r.offered === 5000);
  const chart = await writeChart(
    join(resultsDirectory(), resultName),
    lineChartSvg({
      title: `fleetstream end to end: MQTT publish to PostgreSQL and Redis (${deviceMode === 'own-tls' ? 'a TLS connection and credentials per device, ' : ''}2 cores, everything co-located)`,
      xLabel: 'offered load (readings/s)',
      yLabel: 'stored readings/s',
      rightLabel: 'publish -> Redis latency (ms)',
      series: [
        { name: 'stored readings/s', points: results.map((r) => ({ x: r.offered, y: r.throughput })) },
        { name: 'offered', points: results.map((r) => ({ x: r.offered, y: r.offered })), dashed: true },
        { name: 'p50 latency', axis: 'right', points: results.map((r) => ({ x: r.offered, y: r.latencyMs.p50 })) },
        { name: 'p99 latency', axis: 'right', points: results.map((r) => ({ x: r.offered, y: r.latencyMs.p99 })) },
      ],
    }),
  );
  const summary = {
    /** the highest offered rate the pipeline kept up with (keptUp) */
    sustainedOfferedReadingsPerSecond: sustainedOffered,
    /** stored readings over the step's publishing time plus its catch-up, for the kept-up steps */
    sustainedReadingsPerSecond: Math.round(sustained),
    p99LatencyMsAt5k: at5k?.latencyMs.p99 ?? null,
    targets: { sustainedOfferedReadingsPerSecond: 20_000, p99LatencyMsAt5k: 250 },
    readingsPerMessage: 3,
  };
  await writeResult(resultName, {
    parameters: { steps, stepSeconds, devices, readingsPerMessage: 3, devicesConnect: deviceMode, connections: deviceMode === 'own-tls' ? devices : 16, partitions: 6 },
    repetitions: results as unknown as Record<string, unknown>[],
    medians: summary,
    references,
    chart,
  });
  console.log('\noffered/s  stored/s  lost  catch-up s  p50 ms  p99 ms  cpu s per M readings (source, rollups, timescale, redis)');
  for (const r of results) {
    const c = (name: string) => (r.cost[name]?.cpuSecondsPerMillion ?? 0).toFixed(0);
    console.log(`${String(r.offered).padStart(9)}  ${String(Math.round(r.throughput)).padStart(8)}  ${String(r.lost).padStart(4)}  ${r.catchUpSeconds.toFixed(1).padStart(10)}  ${r.latencyMs.p50.toFixed(0).padStart(6)}  ${r.latencyMs.p99.toFixed(0).padStart(6)}  ${c('mqtt-source')}, ${c('rollups')}, ${c('timescale-sink')}, ${c('redis-sink')}`);
  }
  console.log(referencesLine(references));
  return summary;
}
