/**
 * Sink throughput next to the databases' own limits, measured in the same run
 * on the same rows: PostgreSQL rows/s (raw readings and rollups, through the
 * timescale-sink's writers, both write methods) beside `psql \copy` of the same
 * rows from a file; Redis readings/s (the redis-sink's pipelined script calls)
 * beside `redis-benchmark` sending the same script with as many readings per
 * call and calls per round trip.
 * One warm-up, then REPS repetitions interleaved (A B C, A B C, ...); median and min-max.
 *
 * Run: `eval "$(make -s env)" && node -r ./test/swc-register.js bench/run.ts sinks`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { componentLogger } from '../lib/logger';
import { runMigrations } from '../connectors/timescale-sink/migrate';
import { parseTimescaleSinkOptions, timescaleSinkOptionsSchema } from '../connectors/timescale-sink/options';
import { measurementColumns, measurementCopyText } from '../connectors/timescale-sink/rows';
import { RollupWindowCache } from '../connectors/timescale-sink/rollup-window-cache';
import { SeriesCache } from '../connectors/timescale-sink/series-cache';
import { writeMeasurements, writeRollups, type WriteMethod } from '../connectors/timescale-sink/writer';
import { WrittenSeries, loadScripts, measurementCommands, runPipelined } from '../connectors/redis-sink/writer';
import { redisSinkOptionsSchema } from '../connectors/redis-sink/options';
import { setLatest } from '../connectors/redis-sink/scripts';
import { latestKey, liveChannel } from '../schemas/redis-keys';
import type { Measurement, Rollup } from '../schemas/types';
import { barChartSvg, writeChart } from './lib/chart';
import { resultsDirectory } from './lib/paths';
import { writeResult } from './lib/results';

const ROWS = Number(process.env.SINK_BENCH_ROWS ?? 100_000);
const BATCH = Number(process.env.SINK_BENCH_BATCH ?? 5000);
const REPS = Number(process.env.SINK_BENCH_REPS ?? 3);
const READINGS_PER_CALL = redisSinkOptionsSchema.shape.readingsPerCall.parse(undefined);
const SERIES = 1000;
const t0 = Date.UTC(2024, 0, 1);

interface Figure { median: number; min: number; max: number; runs: number[] }

function figure(runs: number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: Math.round(sorted[Math.floor(sorted.length / 2)]!), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!), runs: runs.map(Math.round) };
}

function readings(): Measurement[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const s = i % SERIES;
    return { path: `/bench/site${s % 10}/dev${s}/kwh`, tenant: 'bench', site: `site${s % 10}`, device: `dev${s}`, metric: 'kwh', kind: 'energy', timestamp: t0 + Math.floor(i / SERIES) * 1000, value: i * 0.5, unit: 'kWh', tags: {}, receivedAt: t0 + i, sourceTopic: null };
  });
}

function rollups(): Rollup[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const s = i % SERIES;
    const windowStart = t0 + Math.floor(i / SERIES) * 60_000;
    return { path: `/bench/site${s % 10}/dev${s}/kwh`, tenant: 'bench', site: `site${s % 10}`, device: `dev${s}`, metric: 'kwh', kind: 'energy', resolution: '1m', windowStart, windowEnd: windowStart + 60_000, count: 6, sum: 60, min: 1, max: 10, first: 1, firstTime: windowStart, last: 10, lastTime: windowStart + 50_000, delta: 9, resets: 0, final: true, revision: 13, computedAt: windowStart + 61_000 };
  });
}

function rollupCopyText(rs: Rollup[]): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return rs.map((r) => [r.path, iso(r.windowStart), iso(r.windowEnd), r.kind, r.count, r.sum, r.min, r.max, r.first, iso(r.firstTime), r.last, iso(r.lastTime), r.delta ?? '\\N', r.resets, r.final ? 't' : 'f', r.revision, iso(r.computedAt)].join('\t')).join('\n') + '\n';
}

async function unlinkMatching(redis: Redis, pattern: string): Promise<void> {
  for (let cursor = '0'; ;) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    if (keys.length) await redis.unlink(...keys);
    if ((cursor = next) === '0') return;
  }
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const logger = componentLogger('sinks-bench');
  const schema = `bench_sinks_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'sinks-bench-'));
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const redis = new Redis(settings.redisUrl);
  const prefix = `bench:${process.pid}:`;
  try {
    const setup = await pool.connect();
    await runMigrations(setup, { schema, resolutions: ['1m'], timescaleOptions: parseTimescaleSinkOptions({}).timescale }, logger);
    setup.release();
    const ms = readings();
    const rs = rollups();
    const rawFile = join(dir, 'measurements.tsv');
    const rollupFile = join(dir, 'rollups.tsv');
    writeFileSync(rawFile, measurementCopyText(measurementColumns(ms)));
    writeFileSync(rollupFile, rollupCopyText(rs));

    const truncate = () => pool.query(`truncate "${schema}".measurements, "${schema}".series, "${schema}".rollups_1m`);
    const sinkRaw = async (method: WriteMethod) => {
      await truncate();
      const seriesCache = new SeriesCache(timescaleSinkOptionsSchema.shape.lastSeenGranularity.parse(undefined)); // as the sink runs
      return ROWS / (await timed(async () => {
        for (let i = 0; i < ROWS; i += BATCH) {
          const client = await pool.connect();
          await client.query('begin');
          const written = await writeMeasurements(client, schema, ms.slice(i, i + BATCH), method, seriesCache);
          await client.query('commit');
          written.committed();
          client.release();
        }
      }));
    };
    const writeAllRollups = (rows: Rollup[], windows: RollupWindowCache) => async () => {
      for (let i = 0; i < ROWS; i += BATCH) {
        const client = await pool.connect();
        await client.query('begin');
        const written = await writeRollups(client, schema, '1m', rows.slice(i, i + BATCH), windows);
        await client.query('commit');
        written.committed();
        client.release();
      }
    };
    // first rollups of their windows (the sink COPYs them), then a later revision of each (the sink upserts them)
    const revised = rs.map((r) => ({ ...r, revision: r.revision + 1 }));
    const sinkRollups = async () => {
      await truncate();
      const windows = new RollupWindowCache();
      const first = ROWS / (await timed(writeAllRollups(rs, windows)));
      return { first, revisions: ROWS / (await timed(writeAllRollups(revised, windows))) };
    };
    const psqlCopy = async (table: string, columns: string, file: string) => {
      await truncate();
      return ROWS / (await timed(() => { execFileSync('psql', [settings.databaseUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy "${schema}".${table} (${columns}) from '${file}'`]); }));
    };
    const copyRaw = () => psqlCopy('measurements', 'path, time, value, received_at', rawFile);
    const copyRollups = () => psqlCopy('rollups_1m', 'path, bucket, bucket_end, kind, count, sum, min, max, first, first_time, last, last_time, delta, resets, final, revision, computed_at', rollupFile);

    await loadScripts(redis);
    const deleteKeys = (pattern: string) => unlinkMatching(redis, pattern);
    // the redis-sink as it runs: one pipeline per Kafka batch, READINGS_PER_CALL readings per script call
    const redisSink = async () => {
      await deleteKeys(`${prefix}*`);
      const written = new WrittenSeries(redisSinkOptionsSchema.shape.seriesCacheSize.parse(undefined));
      return ROWS / (await timed(async () => {
        for (let i = 0; i < ROWS; i += BATCH) {
          const write = measurementCommands(prefix, ms.slice(i, i + BATCH), READINGS_PER_CALL, written);
          await runPipelined(redis, write.commands, BATCH);
          write.written();
        }
      }));
    };
    // Redis's own limit for the same work: redis-benchmark sends the same script with READINGS_PER_CALL
    // readings a call, as many calls per round trip as the sink sends for one batch; every path is new
    // (random among 10^9), so every reading is stored and published, as in the sink's run
    const redisBenchmark = () => {
      const url = new URL(settings.redisUrl);
      const readings = Array.from({ length: READINGS_PER_CALL }, () => {
        const path = '/bench/rb/dev__rand_int__/kwh';
        return [path, String(t0), '1.5', 'energy', 'kWh', String(t0), JSON.stringify({ path, time: t0, value: 1.5, kind: 'energy', unit: 'kWh' })];
      });
      const calls = Math.ceil(ROWS / READINGS_PER_CALL);
      const out = execFileSync('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '-P', String(Math.ceil(BATCH / READINGS_PER_CALL)), '-n', String(calls),
        '-r', '1000000000', '-c', '1', '--csv', 'evalsha', setLatest.sha, '0', latestKey(`${prefix}rb:`, ''), liveChannel(`${prefix}rb:`, ''), JSON.stringify(readings)]).toString();
      const line = out.trim().split('\n').at(-1)!;
      return Number(line.split(',').at(-7)!.replace(/"/g, '')) * READINGS_PER_CALL; // rps: the 7th field from the end (the test name holds commas)
    };
    const resetBenchKeys = () => deleteKeys(`${prefix}rb:*`);

    const results: Record<string, number[]> = { rawUnnest: [], rawCopy: [], rawPsqlCopy: [], rollupFirst: [], rollupRevisions: [], rollupPsqlCopy: [], redisSink: [], redisBenchmark: [] };
    for (let rep = 0; rep <= REPS; rep++) {
      const round = {
        rawUnnest: await sinkRaw('unnest'), rawCopy: await sinkRaw('copy'), rawPsqlCopy: await copyRaw(),
        ...await sinkRollups().then((r) => ({ rollupFirst: r.first, rollupRevisions: r.revisions })), rollupPsqlCopy: await copyRollups(),
        redisSink: await redisSink(), redisBenchmark: (await resetBenchKeys(), redisBenchmark()),
      };
      if (rep === 0) continue; // warm-up
      for (const [k, v] of Object.entries(round)) results[k]!.push(v);
    }
    const f = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, figure(v)])) as Record<string, Figure>;
    const ratio = (a: string, b: string) => Math.round((f[a]!.median / f[b]!.median) * 100) / 100;
    const parameters = { rows: ROWS, batch: BATCH, repetitions: REPS, readingsPerRedisCall: READINGS_PER_CALL, series: SERIES, postgres: (await pool.query('show server_version')).rows[0].server_version, redis: (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] };
    const report = {
      parameters,
      rowsPerSecond: f,
      ratios: {
        rawUnnestVsPsqlCopy: ratio('rawUnnest', 'rawPsqlCopy'), rawCopyVsPsqlCopy: ratio('rawCopy', 'rawPsqlCopy'),
        rollupFirstVsPsqlCopy: ratio('rollupFirst', 'rollupPsqlCopy'), rollupRevisionsVsPsqlCopy: ratio('rollupRevisions', 'rollupPsqlCopy'), redisSinkVsRedisBenchmark: ratio('redisSink', 'redisBenchmark'),
      },
    };
    const pair = (label: string, ours: string, reference: string) => [
      { label, value: f[ours]!.median, note: `(${ratio(ours, reference)} of the reference)` },
      { label: '  reference', value: f[reference]!.median },
    ];
    const chart = await writeChart(join(resultsDirectory(), 'sinks'), barChartSvg({
      title: `Sinks next to the databases' own limits (median of ${REPS})`,
      valueLabel: 'rows or readings per second',
      bars: [
        ...pair('raw rows, COPY', 'rawCopy', 'rawPsqlCopy'), ...pair('raw rows, unnest', 'rawUnnest', 'rawPsqlCopy'),
        ...pair('rollups, first', 'rollupFirst', 'rollupPsqlCopy'), ...pair('rollups, revisions', 'rollupRevisions', 'rollupPsqlCopy'),
        ...pair('Redis latest values', 'redisSink', 'redisBenchmark'),
      ],
    }));
    const file = await writeResult('sinks', {
      ...report, repetitions: [results], medians: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.median])), chart,
      references: { rawPsqlCopy: 'psql \\copy of the same rows from a file', rollupPsqlCopy: 'psql \\copy of the same rollups from a file',
        redisBenchmark: 'redis-benchmark, the same script with as many readings per call and calls per round trip' },
    });
    console.error(`sinks: wrote ${file} and ${chart.png}`);
    console.log(JSON.stringify(report, null, 2));
    return report;
  } finally {
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await unlinkMatching(redis, `${prefix}*`);
    await pool.end();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
