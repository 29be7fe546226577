/**
 * Sink throughput next to the databases' own limits, measured in the same run
 * on the same rows: PostgreSQL rows/s (raw readings and rollups, through the
 * timescale-sink's writers, both write methods) beside `psql \copy` of the same
 * rows from a file; Redis ops/s (the redis-sink's pipelined script calls)
 * beside `redis-benchmark` running the same script at the same pipeline depth.
 * One warm-up, then REPS repetitions interleaved (A B C, A B C, ...); median and min-max.
 *
 * Run: `eval "$(make -s env)" && node -r ./test/swc-register.js bench/sinks.bench.ts`
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
import { timescaleSinkOptionsSchema } from '../connectors/timescale-sink/options';
import { measurementColumns, measurementCopyText } from '../connectors/timescale-sink/rows';
import { writeMeasurements, writeRollups, type WriteMethod } from '../connectors/timescale-sink/writer';
import { loadScripts, measurementCommands, runPipelined } from '../connectors/redis-sink/writer';
import { setLatest } from '../connectors/redis-sink/scripts';
import type { Measurement, Rollup } from '../schemas/types';

const ROWS = Number(process.env.SINK_BENCH_ROWS ?? 100_000);
const BATCH = Number(process.env.SINK_BENCH_BATCH ?? 5000);
const REPS = Number(process.env.SINK_BENCH_REPS ?? 3);
const PIPELINE = Number(process.env.SINK_BENCH_PIPELINE ?? 1000);
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
    await runMigrations(setup, { schema, resolutions: ['1m'], timescaleOptions: timescaleSinkOptionsSchema.shape.timescale.parse(undefined) }, logger);
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
      return ROWS / (await timed(async () => {
        for (let i = 0; i < ROWS; i += BATCH) {
          const client = await pool.connect();
          await client.query('begin');
          await writeMeasurements(client, schema, ms.slice(i, i + BATCH), method);
          await client.query('commit');
          client.release();
        }
      }));
    };
    const sinkRollups = async () => {
      await truncate();
      return ROWS / (await timed(async () => {
        for (let i = 0; i < ROWS; i += BATCH) {
          const client = await pool.connect();
          await client.query('begin');
          await writeRollups(client, schema, '1m', rs.slice(i, i + BATCH));
          await client.query('commit');
          client.release();
        }
      }));
    };
    const psqlCopy = async (table: string, columns: string, file: string) => {
      await truncate();
      return ROWS / (await timed(() => { execFileSync('psql', [settings.databaseUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy "${schema}".${table} (${columns}) from '${file}'`]); }));
    };
    const copyRaw = () => psqlCopy('measurements', 'path, time, value, received_at', rawFile);
    const copyRollups = () => psqlCopy('rollups_1m', 'path, bucket, bucket_end, kind, count, sum, min, max, first, first_time, last, last_time, delta, resets, final, revision, computed_at', rollupFile);

    await loadScripts(redis);
    const redisOps = async () => {
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
      const commands = measurementCommands(prefix, ms);
      return commands.length / (await timed(() => runPipelined(redis, commands, PIPELINE)));
    };
    const redisBenchmark = () => {
      const url = new URL(settings.redisUrl);
      const out = execFileSync('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '-P', String(PIPELINE), '-n', String(ROWS), '-r', String(SERIES), '-c', '1', '--csv',
        'evalsha', setLatest.sha, '1', `${prefix}rb:latest:__rand_int__`, String(t0), '1.5', 'energy', 'kWh', String(t0), `${prefix}rb:live:x`, '{"path":"/x","time":0,"value":1.5,"kind":"energy","unit":"kWh"}']).toString();
      // the script is newest-wins, so after the first call per key it takes the compare-only path: reset the keys between runs
      const line = out.trim().split('\n').at(-1)!;
      return Number(line.split(',').at(-7)!.replace(/"/g, '')); // rps: the 7th field from the end (the test name holds commas)
    };
    const resetBenchKeys = async () => {
      const keys = await redis.keys(`${prefix}rb:*`);
      if (keys.length) await redis.del(...keys);
    };

    const results: Record<string, number[]> = { rawUnnest: [], rawCopy: [], rawPsqlCopy: [], rollupUpsert: [], rollupPsqlCopy: [], redisSink: [], redisBenchmark: [] };
    for (let rep = 0; rep <= REPS; rep++) {
      const round = {
        rawUnnest: await sinkRaw('unnest'), rawCopy: await sinkRaw('copy'), rawPsqlCopy: await copyRaw(),
        rollupUpsert: await sinkRollups(), rollupPsqlCopy: await copyRollups(),
        redisSink: await redisOps(), redisBenchmark: (await resetBenchKeys(), redisBenchmark()),
      };
      if (rep === 0) continue; // warm-up
      for (const [k, v] of Object.entries(round)) results[k]!.push(v);
    }
    const f = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, figure(v)])) as Record<string, Figure>;
    const ratio = (a: string, b: string) => Math.round((f[a]!.median / f[b]!.median) * 100) / 100;
    const report = {
      parameters: { rows: ROWS, batch: BATCH, repetitions: REPS, pipelineDepth: PIPELINE, series: SERIES, postgres: (await pool.query('show server_version')).rows[0].server_version, redis: (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] },
      rowsPerSecond: f,
      ratios: {
        rawUnnestVsPsqlCopy: ratio('rawUnnest', 'rawPsqlCopy'), rawCopyVsPsqlCopy: ratio('rawCopy', 'rawPsqlCopy'),
        rollupUpsertVsPsqlCopy: ratio('rollupUpsert', 'rollupPsqlCopy'), redisSinkVsRedisBenchmark: ratio('redisSink', 'redisBenchmark'),
      },
    };
    console.log(JSON.stringify(report, null, 2));
    return report;
  } finally {
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await pool.end();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
