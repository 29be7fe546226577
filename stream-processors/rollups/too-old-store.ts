/**
 * Records the readings the rollups leave out because they arrived older than
 * the correction horizon, in `too_old_readings` (schemas/tables.ts). They are
 * stored raw by the timescale-sink but are in no rollup; the query API reads
 * this table to mark the aggregates it computes from rollups over them as
 * incomplete.
 */
import { columns } from '../../schemas/tables';

/** What the writer needs of PostgreSQL: node-postgres's `Pool` and `PoolClient` both fit. */
export interface TooOldDatabase {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

export interface TooOldReading {
  path: string;
  /** event time, epoch ms */
  time: number;
}

/**
 * Stores the readings in one statement; a reading already recorded (a replay,
 * or a duplicate in the list) is kept once. An empty list sends nothing.
 * `table` is the quoted, qualified name (`tableNames(schema, ...).tooOldReadings`).
 */
export async function recordTooOld(db: TooOldDatabase, table: string, readings: readonly TooOldReading[]): Promise<void> {
  if (readings.length === 0) return;
  await db.query(
    `insert into ${table} (${columns.tooOldReadings.join(', ')})
     select * from unnest($1::text[], $2::timestamptz[])
     on conflict do nothing`,
    [readings.map((r) => r.path), readings.map((r) => new Date(r.time).toISOString())],
  );
}
