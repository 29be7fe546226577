/**
 * `make demo`: with the local stack up, starts every component, runs a
 * simulated fleet for DEMO_SECONDS (default 60), shows what came out at each
 * stage, and leaves everything running (`make down` stops it). Fails loudly,
 * with the failing component's log tail, when a stage delivers nothing.
 */
import Redis from 'ioredis';
import { Pool } from 'pg';
import { createProgressReporter, summaryLines } from '../../simulator/progress';
import { runSimulation } from '../../simulator';
import { readConnectionSettings, redactUrl } from '../../lib/config';
import { rootLogger } from '../../lib/logger';
import { currentHierarchyFromHash, hierarchyCurrentKey } from '../../schemas/redis-hierarchy';
import { publish as publishHierarchy } from '../../republishers/device-hierarchy';
import { ComponentFailure, metricSum, pipelineComponents, startPipeline, type RunningProcess } from './pipeline';
import { showTalkingBack, type TalkingBack } from './demo-talking-back';
import { deviceAddress } from '../../simulator/fleet';
import { components } from '../../bin/components';

const seconds = Number(process.env.DEMO_SECONDS ?? 60);
const tenantPrefix = 'demo';
const token = 'demo-token-tenant-01';
const queryApiPort = Number(process.env.QUERY_API_PORT ?? 8080);

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '  (none)';
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => '  ' + cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => String(r[c]))))].join('\n');
}

async function main(): Promise<void> {
  const settings = readConnectionSettings();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);

  console.log(`demo: starting the pipeline (logs in .local/pipeline/)`);
  const processes = await startPipeline(
    pipelineComponents({
      'query-api': { QUERY_API_TOKENS: `${token}:${tenantPrefix}-01,demo-token-tenant-02:${tenantPrefix}-02`, QUERY_API_PORT: String(queryApiPort) },
      // short lateness and idle timeout, so 1m windows close within the demo, unless set in the environment
      rollups: { ROLLUPS_ALLOWED_LATENESS: process.env.ROLLUPS_ALLOWED_LATENESS ?? '5s', ROLLUPS_IDLE_TIMEOUT: process.env.ROLLUPS_IDLE_TIMEOUT ?? '5s' },
    }),
  );
  const byName = (name: string) => processes.find((p) => p.spec.name === name)!;
  const rawBefore = await count(`select count(*) as n from measurements where path like '/${tenantPrefix}-%'`);

  console.log(`demo: a simulated fleet of 200 devices publishes for ${seconds} s (DEMO_SECONDS), each device with its own credentials from the registry (kept in .local/simulator/credentials), answering commands and following its shadow`);
  const progress = createProgressReporter();
  const fleet = { devices: 200, tenants: 2, sitesPerTenant: 2, tenantPrefix };
  let publishing!: () => void;
  const published = new Promise<void>((resolve) => (publishing = resolve));
  const simulation = runSimulation(
    { ...fleet, rate: 1500, duration: `${seconds}s`, duplicateFraction: 0.005, outOfOrderFraction: 0.005, malformedFraction: 0.001, mqttUrl: settings.mqttUrl, provision: true, respond: true },
    {
      onProgress: (p) => {
        progress.update(p);
        publishing(); // every device is connected and subscribed once the first progress comes
      },
      logger: rootLogger.child({ component: 'simulator' }, { level: 'warn' }),
    },
  );
  // while the fleet runs: a command answered and a shadow converging, through the query API
  const talkingBack = published.then(() => showTalkingBack({ apiUrl: `http://127.0.0.1:${queryApiPort}`, databaseUrl: settings.databaseUrl, device: deviceAddress(0, fleet), timeoutMs: 30_000 }));
  const [stats, talked] = await Promise.all([simulation, talkingBack.then((t): TalkingBack | Error => t, (error: unknown) => (error instanceof Error ? error : new Error(String(error))))]);
  progress.stop();
  for (const line of summaryLines(stats)) console.log(`  ${line}`);
  if (talked instanceof Error) throw new ComponentFailure(byName('shadow'), talked.message);
  if (talked.command.status !== 200) throw new ComponentFailure(byName('commands'), `a command to ${deviceAddress(0, fleet).device} was answered ${talked.command.status}: ${JSON.stringify(talked.command.answer)}`);

  const check = async (process_: RunningProcess, what: string, value: () => Promise<number>, timeoutMs = 60_000): Promise<number> => {
    const got = await eventually(async () => ((await value()) > 0 ? value() : undefined), timeoutMs);
    if (!got) throw new ComponentFailure(process_, `delivered no ${what}`);
    return got;
  };
  console.log('demo: waiting for the stores to catch up');
  const readingsIn = await check(byName('mqtt-source'), 'readings to Kafka', () => metricSum(9101, 'mqtt_source_readings_produced_total'));
  await check(byName('rollups'), 'rollups', () => metricSum(9105, 'rollups_emitted_total'));
  const stored = await eventually(async () => {
    const n = (await count(`select count(*) as n from measurements where path like '/${tenantPrefix}-%'`)) - rawBefore;
    return n >= stats.readings ? n : undefined;
  }, 60_000);
  await check(byName('timescale-sink'), 'rows in PostgreSQL', async () => (await count(`select count(*) as n from measurements where path like '/${tenantPrefix}-%'`)) - rawBefore);
  await check(byName('timescale-sink'), '1h rollups in PostgreSQL', () => count(`select count(*) as n from rollups_1h where path like '/${tenantPrefix}-%'`), 90_000);
  await check(byName('redis-sink'), 'latest values in Redis', async () => (await redis.keys(`fleet:latest:/${tenantPrefix}-*`)).length);
  // the scheduler's run at start of `hierarchy publish`
  await check(byName('scheduler'), 'device hierarchy in Redis', async () => Number((await redis.hget(hierarchyCurrentKey('fleet:'), 'generation')) ?? 0));
  const atStart = currentHierarchyFromHash(await redis.hgetall(hierarchyCurrentKey('fleet:')))!;
  // the simulator registered its devices since: publish again, as `fleetstream hierarchy publish` does
  const hierarchy = await publishHierarchy({});

  const deadLettered = await metricSum(9101, 'mqtt_source_dead_lettered_total');
  const demoRows = (rollups: string) => `(select count(*) from ${rollups} where path like '/${tenantPrefix}-%')`;
  const rollupRows = await count(`select ${demoRows('rollups_1m')} + ${demoRows('rollups_1h')} + ${demoRows('rollups_1d')} as n`);
  console.log('\nfleetstream demo');
  console.log(table([
    { stage: 'readings published (simulator)', value: stats.readings },
    { stage: 'readings into Kafka (mqtt-source; duplicates too)', value: readingsIn },
    { stage: 'messages dead-lettered (mqtt-source)', value: deadLettered },
    { stage: 'readings stored (PostgreSQL)', value: stored ?? 'still catching up' },
    { stage: "rollup rows of the demo's series (1m + 1h + 1d, PostgreSQL)", value: rollupRows },
    { stage: 'device hierarchy in Redis (the scheduler published it at start)', value: `generation ${atStart.generation}, registry revision ${atStart.revision}` },
    { stage: 'registry devices in it after `hierarchy publish`', value: `${hierarchy.devices} (generation ${hierarchy.generation}, registry revision ${hierarchy.revision})` },
  ]));

  // a device whose 1h window has a rollup already, with its three metrics
  const device = (await pool.query<{ device: string }>(`select regexp_replace(path, '/[^/]+$', '') as device from rollups_1h where path like '/${tenantPrefix}-01/%' order by path limit 1`)).rows[0]?.device;
  const series = (await pool.query<{ path: string }>(`select path from series where path like $1 order by path limit 3`, [`${device}/%`])).rows.map((r) => r.path);
  const rollupTable = async (resolution: string) =>
    (
      await pool.query<{ path: string; bucket: Date; count: string; mean: number; delta: number | null; final: boolean }>(
        `select distinct on (path) path, bucket, count, sum / count as mean, delta, final from rollups_${resolution} where path = any($1) order by path, bucket desc`,
        [series],
      )
    ).rows.map((r) => ({ series: r.path, window: r.bucket.toISOString(), count: r.count, mean: r.mean.toFixed(3), delta: r.delta === null ? '-' : r.delta.toFixed(3), final: r.final ? 'final' : 'provisional' }));
  const talkedTo = deviceAddress(0, fleet);
  console.log(`\ntalking back to ${talkedTo.tenant}/${talkedTo.site}/${talkedTo.device} while the fleet ran`);
  console.log(table([
    { what: `command ${talked.command.name} {"seconds": 30} (POST .../commands)`, result: `${talked.command.state}, answer ${JSON.stringify(talked.command.answer)}, in ${talked.command.roundTripMs} ms` },
    { what: `shadow desired ${JSON.stringify(talked.shadow.desired)} (PATCH .../shadow)`, result: `reported back by the device, delta empty, version ${talked.shadow.version}, in ${talked.shadow.convergedMs} ms` },
  ]));
  console.log('\nlatest 1m rollups\n' + table(await rollupTable('1m')));
  console.log('\nlatest 1h rollups\n' + table(await rollupTable('1h')));

  const energy = series.find((p) => p.endsWith('/energy_kwh')) ?? series[0]!;
  const query = `apply natural to data in (now - 1h, now) where path = "${energy}"`;
  const response = await fetch(`http://127.0.0.1:${queryApiPort}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const answer = await response.text();
  if (!response.ok) throw new ComponentFailure(byName('query-api'), `answered ${response.status}: ${answer}`);
  console.log(`\nexample query (POST /v1/query, token ${token}):\n  ${query}\n  -> ${answer}`);

  console.log(`\nstill running (make down stops everything):
  query API   http://127.0.0.1:${queryApiPort}  (OpenAPI: /openapi.json; token "${token}" reads tenant ${tenantPrefix}-01)
  metrics     ${metricsLine()}
  MQTT        ${redactUrl(settings.mqttUrl)}  (a device publishes to fleet/<tenant>/<site>/<device>/up with its own credentials: fleetstream devices add <tenant>/<site>/<device>)
  HTTP ingest ${process.env.HTTP_INGEST_URL ?? 'http://127.0.0.1:8090/v1/ingest'}  (a device POSTs with its own credentials, HTTP Basic)
  PostgreSQL  ${settings.databaseUrl}
  Redis       ${settings.redisUrl}`);
  await pool.end();
  redis.disconnect();
}

main().catch((error: unknown) => {
  console.error(`\ndemo FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/** Every component's metrics address, from the component table: `http://127.0.0.1:9101/metrics (mqtt-source), :9102 (...)`. */
function metricsLine(): string {
  const ports = [...components].sort((a, b) => a.opsPort - b.opsPort);
  return ports.map((c, i) => `${i === 0 ? `http://127.0.0.1:${c.opsPort}/metrics` : `:${c.opsPort}`} (${c.name})`).join(', ');
}
