/**
 * The idempotent upserts, one statement per batch and table, each row set
 * passed as arrays and expanded with `unnest` (one round trip, one plan).
 * Times travel as epoch-ms bigints, turned into timestamptz by exact
 * interval arithmetic.
 */
import { columns, measurementsTable, qualified, rollupTable, seriesTable } from '../../schemas/tables';

const ms = (column: string) => `to_timestamp(0) + ${column} * interval '1 millisecond'`;

const measurementColumnList = columns.measurements.join(', ');
const seriesColumnList = columns.series.join(', ');
const rollupColumnList = columns.rollups.join(', ');

export function insertMeasurementsSql(schema: string): string {
  return `insert into ${qualified(schema, measurementsTable)} (${measurementColumnList})
    select p, ${ms('t')}, v, ${ms('r')} from unnest($1::text[], $2::bigint[], $3::float8[], $4::bigint[]) as u(p, t, v, r)
    on conflict do nothing`;
}

/** Binary COPY straight into the raw table (the fast path; a stored row fails it, see writer.ts). */
export function copyMeasurementsSql(schema: string): string {
  return `copy ${qualified(schema, measurementsTable)} (${measurementColumnList}) from stdin (format binary)`;
}

/**
 * The catalogue row widens its first/last seen; kind and unit follow the
 * newest reading. The WHERE makes a replay a no-op (no new row version).
 */
export function upsertSeriesSql(schema: string): string {
  return `insert into ${qualified(schema, seriesTable)} as s (${seriesColumnList})
    select p, te, si, de, me, k, un, ${ms('f')}, ${ms('l')}
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
      as u(p, te, si, de, me, k, un, f, l)
    on conflict (path) do update set
      first_seen = least(s.first_seen, excluded.first_seen),
      last_seen = greatest(s.last_seen, excluded.last_seen),
      kind = case when excluded.last_seen >= s.last_seen then excluded.kind else s.kind end,
      unit = case when excluded.last_seen >= s.last_seen then excluded.unit else s.unit end
    where excluded.first_seen < s.first_seen or excluded.last_seen > s.last_seen
      or (excluded.last_seen = s.last_seen and (excluded.kind, excluded.unit) is distinct from (s.kind, s.unit))`;
}

/**
 * Where a batch of rollups lands first, by binary COPY: a temp table of the
 * connection, emptied at commit. Staging beat `unnest` arrays of 17 columns
 * (bench/sinks.bench.ts): COPY skips formatting and parsing array text.
 */
export const rollupStage = 'fleetstream_rollup_stage';

export function createRollupStageSql(): string {
  return `create temp table if not exists ${rollupStage} (
      path text, bucket timestamptz, bucket_end timestamptz, kind text, count bigint, sum double precision, min double precision,
      max double precision, first double precision, first_time timestamptz, last double precision, last_time timestamptz,
      delta double precision, resets integer, final boolean, revision bigint, computed_at timestamptz)
    on commit delete rows`;
}

/** Binary COPY straight into a resolution's table, for windows not stored yet (see writer.ts). */
export function copyRollupsSql(schema: string, resolution: string): string {
  return `copy ${qualified(schema, rollupTable(resolution))} (${rollupColumnList}) from stdin (format binary)`;
}

export function copyRollupStageSql(): string {
  return `copy ${rollupStage} (${rollupColumnList}) from stdin (format binary)`;
}

/**
 * From the stage into a resolution's table: a row is replaced only by a higher
 * revision, an equal or lower one changes nothing. The stage holds one row per
 * key (an upsert cannot touch a row twice), in key order (lock order).
 */
export function upsertRollupsFromStageSql(schema: string, resolution: string): string {
  return `insert into ${qualified(schema, rollupTable(resolution))} as r (${rollupColumnList})
    select ${rollupColumnList} from ${rollupStage}
    on conflict (path, bucket) do update set
      bucket_end = excluded.bucket_end, kind = excluded.kind, count = excluded.count, sum = excluded.sum, min = excluded.min,
      max = excluded.max, first = excluded.first, first_time = excluded.first_time, last = excluded.last, last_time = excluded.last_time,
      delta = excluded.delta, resets = excluded.resets, final = excluded.final, revision = excluded.revision, computed_at = excluded.computed_at
    where r.revision < excluded.revision`;
}
