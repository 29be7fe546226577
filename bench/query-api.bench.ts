/**
 * Query API under load (issue 6): latest-value reads and the one-year daily
 * series of one energy meter (365 daily rollups), plus the exact one-year
 * aggregate by resolution=auto, each at a fixed offered load of 500 requests/s
 * (evenly spaced, lib/fixed-rate-load.ts; p50/p99/p99.9), and each unthrottled
 * for its peak (autocannon). The API runs
 * as its own process (`fleetstream query-api`) against the local PostgreSQL and
 * Redis, on a fresh schema (tables by the real migrations) and key prefix, filled directly.
 * Writes bench/results/query-api.{json,png}.
 * Env: BENCH_QUERY_API_SECONDS (per run, default 10), BENCH_QUERY_API_REPEATS (default 3).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { fixedRateLoad } from './lib/fixed-rate-load';
import { barChartSvg, writeChart } from './lib/chart';
import { resultsDirectory } from './lib/paths';
import { writeResult } from './lib/results';
import { latestKey } from '../schemas/redis-keys';
import { generateReadings, type SeriesSpec } from '../test/generated-readings';
import { freePort } from '../test/free-port';
import { oracleRollups } from '../test/oracle-rollups';
import { createTables, storeReadings, storeRollups } from '../test/table-fixtures';

const token = `bench-${randomBytes(16).toString('hex')}`;
const path = '/bench/site1/meter1/kwh';
const yearStart = Date.UTC(2023, 0, 1);
const yearEnd = Date.UTC(2024, 0, 1);

async function waitFor(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`query-api exited with code ${child.exitCode} before answering`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`query-api did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface LoadResult {
  offered: number | 'unthrottled';
  requestsPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  non2xx: number;
}

/** A fixed offered rate, evenly spaced (see lib/fixed-rate-load.ts for why not autocannon's). */
async function loadAtRate(url: string, seconds: number, rate: number): Promise<LoadResult> {
  const result = await fixedRateLoad(url, { rate, seconds, headers: { authorization: `Bearer ${token}` } });
  return {
    offered: rate, requestsPerSecond: result.answeredPerSecond, p50: result.p50Ms, p99: result.p99Ms, p999: result.p999Ms, max: result.maxMs,
    errors: result.failed, non2xx: 0,
  };
}

/** Unthrottled, for the peak: autocannon with 16 connections. */
async function loadPeak(url: string, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url, headers: { authorization: `Bearer ${token}` }, duration: seconds, connections: 16 });
  return {
    offered: 'unthrottled',
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function run(): Promise<object> {
  const seconds = Number(process.env.BENCH_QUERY_API_SECONDS ?? 10);
  const repeats = Number(process.env.BENCH_QUERY_API_REPEATS ?? 3);
  const settings = readConnectionSettings();
  const schema = `bench_query_api_${randomBytes(4).toString('hex')}`;
  const keyPrefix = `bench-${randomBytes(4).toString('hex')}:`;
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const redis = new Redis(settings.redisUrl);
  let child: ChildProcess | undefined;
  try {
    const resolutions = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };
    await createTables(pool, schema, Object.keys(resolutions));
    const series: SeriesSpec = { path, kind: 'energy', unit: 'kWh' };
    // a reading every ~15 minutes for a year and a day: 365 final daily rollups inside the year
    const readings = generateReadings(series, { start: yearStart - 12 * 3_600_000, end: yearEnd + 12 * 3_600_000, meanStepMs: 15 * 60_000, seed: 1 });
    await storeReadings(pool, schema, [series], readings);
    for (const [name, ms] of Object.entries(resolutions)) await storeRollups(pool, schema, name, oracleRollups([series], readings, { name, ms }));
    const last = readings[readings.length - 1] as { time: number; value: number };
    await redis.hset(latestKey(keyPrefix, path), { time: String(last.time), value: String(last.value), kind: 'energy', unit: 'kWh', receivedAt: String(last.time) });

    const port = await freePort();
    const extension = __filename.endsWith('.ts') ? '.ts' : '.js';
    child = fork(join(__dirname, '..', 'bin', `fleetstream${extension}`), ['query-api'], {
      env: {
        ...process.env,
        OPS_PORT: '0',
        LOG_LEVEL: 'warn',
        QUERY_API_PORT: String(port),
        QUERY_API_HOST: '127.0.0.1',
        QUERY_API_DATABASE_SCHEMA: schema,
        QUERY_API_KEY_PREFIX: keyPrefix,
        QUERY_API_TOKENS: `${token}:bench`,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/openapi.json`, child);

    const encoded = encodeURIComponent(path);
    const targets = {
      latestValue: `${base}/v1/latest?path=${encoded}`,
      yearDaily: `${base}/v1/data?path=${encoded}&start=${new Date(yearStart).toISOString()}&end=${new Date(yearEnd).toISOString()}&resolution=1d`,
      yearAggregateAuto: `${base}/v1/data?path=${encoded}&start=${yearStart + 5 * 3_600_000 + 7 * 60_000 + 3}&end=${yearEnd - 3 * 3_600_000 - 59_000}&aggregate=natural`,
    };
    const check = (await (await fetch(targets.yearDaily, { headers: { authorization: `Bearer ${token}` } })).json()) as { buckets?: unknown[] };
    if (check.buckets?.length !== 365) throw new Error(`the daily series holds ${check.buckets?.length} buckets, expected 365`);

    for (const url of Object.values(targets)) await loadAtRate(url, 2, 500); // warm-up
    const runs: Record<string, LoadResult[]> = { latestValue: [], yearDaily: [], yearAggregateAuto: [] };
    for (let r = 0; r < repeats; r++) {
      for (const [name, url] of Object.entries(targets)) {
        const result = await loadAtRate(url, seconds, 500);
        runs[name]?.push(result);
        console.error(`query-api bench: ${name} @500/s run ${r + 1}: p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.requestsPerSecond} req/s, errors ${result.errors + result.non2xx}`);
      }
    }
    const peak: Record<string, LoadResult> = {};
    for (const [name, url] of Object.entries(targets)) {
      peak[name] = await loadPeak(url, Math.max(3, Math.floor(seconds / 2)));
      console.error(`query-api bench: ${name} peak: ${peak[name]?.requestsPerSecond} req/s, p99 ${peak[name]?.p99} ms`);
    }
    const summary = Object.fromEntries(
      Object.entries(runs).map(([name, list]) => [
        name,
        {
          at500PerSecond: {
            p50Ms: median(list.map((x) => x.p50)),
            p99Ms: median(list.map((x) => x.p99)),
            p99RangeMs: [Math.min(...list.map((x) => x.p99)), Math.max(...list.map((x) => x.p99))],
            requestsPerSecond: median(list.map((x) => x.requestsPerSecond)),
            failed: list.reduce((n, x) => n + x.errors + x.non2xx, 0),
          },
          peakRequestsPerSecond: peak[name]?.requestsPerSecond,
          peakP99Ms: peak[name]?.p99,
        },
      ]),
    );
    // a target holds only if the API also kept up: answered (nearly) every request offered
    const kept = (name: string, limitMs: number) => {
      const at = summary[name]?.at500PerSecond;
      return at !== undefined && at.p99Ms < limitMs && at.requestsPerSecond >= 0.98 * 500 && at.failed === 0;
    };
    const targetsMet = { latestValueP99Under20Ms: kept('latestValue', 20), yearDailyP99Under100Ms: kept('yearDaily', 100) };
    const labels: Record<string, string> = { latestValue: 'latest value', yearDaily: 'one-year daily series', yearAggregateAuto: 'one-year aggregate (auto)' };
    const chart = await writeChart(join(resultsDirectory(), 'query-api'), barChartSvg({
      title: `Query API at 500 requests/s, evenly spaced (median of ${repeats} runs of ${seconds} s)`,
      valueLabel: 'latency, ms (log scale)',
      log: true,
      bars: Object.entries(summary).flatMap(([name, s]) => [
        { label: `${labels[name] ?? name}, p50`, value: s.at500PerSecond.p50Ms },
        { label: 'p99', value: s.at500PerSecond.p99Ms, note: `(${s.at500PerSecond.requestsPerSecond} answered/s)` },
      ]),
    }));
    const file = await writeResult('query-api', {
      parameters: { secondsPerRun: seconds, repeats, offeredRate: 500, readings: readings.length, series: path, dailyBuckets: 365 },
      repetitions: runs as unknown as Record<string, Record<string, unknown>[]>,
      medians: summary,
      targetsMet,
      peak,
      chart,
    });
    console.error(`query-api bench: wrote ${file} and ${chart.png}`);
    console.log(JSON.stringify({ summary, targetsMet }, null, 2));
    return { summary, targetsMet };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await pool.query(`drop schema if exists "${schema}" cascade`);
    await pool.end();
  }
}
