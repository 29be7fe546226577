/**
 * The PostgreSQL tables of schemas/tables.ts, created by the real migrations
 * (plain tables) and filled directly, for tests and benchmarks of the query
 * API that need more data than is worth sending through Kafka and the sink.
 */
import type { Pool } from 'pg';
import { componentLogger } from '../lib/logger';
import { applyMigrations } from '../schemas/apply-migrations';
import { columns, measurementsTable, qualified, rollupTable, seriesTable, tooOldReadingsTable } from '../schemas/tables';
import { parseSeriesPath } from '../schemas/series-path';
import type { Rollup } from '../schemas/types';
import type { GeneratedReading, SeriesSpec } from './generated-readings';

const chunk = 20_000;
const iso = (ms: number) => new Date(ms).toISOString();

export async function createTables(pool: Pool, schema: string, resolutions: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await applyMigrations(client, { schema, resolutions }, componentLogger('test-tables'));
  } finally {
    client.release();
  }
}

/** The series rows (first and last seen from their readings) and the raw readings. */
export async function storeReadings(pool: Pool, schema: string, series: readonly SeriesSpec[], readings: readonly GeneratedReading[]): Promise<void> {
  for (const { path, kind, unit } of series) {
    const identity = parseSeriesPath(path);
    if (!identity) throw new Error(`${path} is not a series path`);
    const times = readings.filter((r) => r.path === path).map((r) => r.time);
    await pool.query(
      `insert into ${qualified(schema, seriesTable)} (${columns.series.join(', ')}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [path, identity.tenant, identity.site, identity.device, identity.metric, kind, unit, iso(Math.min(...times)), iso(Math.max(...times))],
    );
  }
  for (let i = 0; i < readings.length; i += chunk) {
    const part = readings.slice(i, i + chunk);
    await pool.query(
      `insert into ${qualified(schema, measurementsTable)} (${columns.measurements.join(', ')})
       select * from unnest($1::text[], $2::timestamptz[], $3::float8[], $2::timestamptz[])`,
      [part.map((r) => r.path), part.map((r) => iso(r.time)), part.map((r) => r.value)],
    );
  }
}

/** Rollup records of one resolution as the sink stores them: one row per series and window. */
export async function storeRollups(pool: Pool, schema: string, resolution: string, rollups: readonly Rollup[]): Promise<void> {
  for (let i = 0; i < rollups.length; i += chunk) {
    const part = rollups.slice(i, i + chunk);
    const column = <T>(value: (r: Rollup) => T) => part.map(value);
    await pool.query(
      `insert into ${qualified(schema, rollupTable(resolution))} (${columns.rollups.join(', ')})
       select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int8[], $6::float8[], $7::float8[], $8::float8[],
                            $9::float8[], $10::timestamptz[], $11::float8[], $12::timestamptz[], $13::float8[], $14::int4[], $15::bool[], $16::int8[], $17::timestamptz[])`,
      [
        column((r) => r.path), column((r) => iso(r.windowStart)), column((r) => iso(r.windowEnd)), column((r) => r.kind), column((r) => r.count),
        column((r) => r.sum), column((r) => r.min), column((r) => r.max), column((r) => r.first), column((r) => iso(r.firstTime)), column((r) => r.last),
        column((r) => iso(r.lastTime)), column((r) => r.delta), column((r) => r.resets), column((r) => r.final), column((r) => r.revision), column((r) => iso(r.computedAt)),
      ],
    );
  }
}

/** Rows of too_old_readings: readings the rollups left out (they must also be among the raw readings stored). */
export async function storeTooOldReadings(pool: Pool, schema: string, readings: readonly { path: string; time: number }[]): Promise<void> {
  await pool.query(
    `insert into ${qualified(schema, tooOldReadingsTable)} (${columns.tooOldReadings.join(', ')}) select * from unnest($1::text[], $2::timestamptz[])`,
    [readings.map((r) => r.path), readings.map((r) => iso(r.time))],
  );
}
