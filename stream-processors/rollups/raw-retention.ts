/**
 * The raw readings' retention, as TimescaleDB's retention policy on the
 * measurements hypertable says: the corrections recompute windows from those
 * rows, so a correction horizon longer than it would recompute windows from
 * readings already dropped, and make exact rollups wrong.
 */
import { FleetstreamError } from '../../lib/errors';
import { formatDuration } from '../../lib/duration';

/** What runs a query: a pg Pool, or anything answering the same way. */
export interface SqlQuery {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** The retention of `schema.table` in ms; undefined when nothing drops its rows (no TimescaleDB, or no policy). */
export async function rawRetentionMs(sql: SqlQuery, schema: string, table: string): Promise<number | undefined> {
  const { rows: catalog } = await sql.query(`select to_regclass('timescaledb_information.jobs') is not null as present`);
  if (catalog[0]?.present !== true) return undefined;
  const { rows } = await sql.query(
    `select extract(epoch from (config->>'drop_after')::interval) * 1000 as ms
       from timescaledb_information.jobs
      where proc_name = 'policy_retention' and hypertable_schema = $1 and hypertable_name = $2`,
    [schema, table],
  );
  return rows.length === 0 ? undefined : Math.min(...rows.map((r) => Number(r.ms)));
}

/** Refuses a correction horizon longer than the raw readings are kept. */
export async function checkHorizonWithinRetention(sql: SqlQuery, schema: string, table: string, horizonMs: number): Promise<void> {
  const retentionMs = await rawRetentionMs(sql, schema, table);
  if (retentionMs !== undefined && horizonMs > retentionMs) {
    throw new FleetstreamError(
      'CONFIG_INVALID',
      `ROLLUPS_CORRECTION_HORIZON (${formatDuration(horizonMs)}) is longer than the raw readings are kept (${schema}.${table}: retention ${formatDuration(retentionMs)}): corrections would recompute windows from dropped rows; shorten the horizon or lengthen TIMESCALE_SINK_RAW_RETENTION`,
    );
  }
}
