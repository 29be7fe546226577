/**
 * The idempotent upserts, one statement per batch and table, each row set
 * passed as arrays and expanded with `unnest` (one round trip, one plan).
 * Times travel as epoch-ms bigints, turned into timestamptz by exact
 * interval arithmetic.
 */
import { qualified } from './migrations';
import { rollupTable } from './resolution';

const ms = (column: string) => `to_timestamp(0) + ${column} * interval '1 millisecond'`;

export function insertMeasurementsSql(schema: string): string {
  return `insert into ${qualified(schema, 'measurements')} (path, time, value, received_at)
    select p, ${ms('t')}, v, ${ms('r')} from unnest($1::text[], $2::bigint[], $3::float8[], $4::bigint[]) as u(p, t, v, r)
    on conflict do nothing`;
}

/** The staging table COPY writes into; one per connection, emptied at commit. */
export const measurementStage = 'fleetstream_measurement_stage';

export function createMeasurementStageSql(): string {
  return `create temp table if not exists ${measurementStage} (path text, time timestamptz, value double precision, received_at timestamptz) on commit delete rows`;
}

export function copyMeasurementStageSql(): string {
  return `copy ${measurementStage} (path, time, value, received_at) from stdin`;
}

export function insertFromMeasurementStageSql(schema: string): string {
  return `insert into ${qualified(schema, 'measurements')} (path, time, value, received_at)
    select path, time, value, received_at from ${measurementStage} on conflict do nothing`;
}

/**
 * The catalogue row widens its first/last seen; kind and unit follow the
 * newest reading. The WHERE makes a replay a no-op (no new row version).
 */
export function upsertSeriesSql(schema: string): string {
  return `insert into ${qualified(schema, 'series')} as s (path, tenant, site, device, metric, kind, unit, first_seen, last_seen)
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

/** A rollup row is replaced only by a higher revision: an equal or lower one changes nothing. */
export function upsertRollupsSql(schema: string, resolution: string): string {
  const table = rollupTable(resolution);
  return `insert into ${qualified(schema, table)} as r
      (path, bucket, bucket_end, kind, count, sum, min, max, first, first_time, last, last_time, delta, resets, final, revision, computed_at)
    select p, ${ms('b')}, ${ms('be')}, k, c, su, mi, ma, fi, ${ms('ft')}, la, ${ms('lt')}, de, re, fin, rev, ${ms('ca')}
    from unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::float8[], $7::float8[], $8::float8[],
                $9::float8[], $10::bigint[], $11::float8[], $12::bigint[], $13::float8[], $14::int[], $15::bool[], $16::bigint[], $17::bigint[])
      as u(p, b, be, k, c, su, mi, ma, fi, ft, la, lt, de, re, fin, rev, ca)
    on conflict (path, bucket) do update set
      bucket_end = excluded.bucket_end, kind = excluded.kind, count = excluded.count, sum = excluded.sum, min = excluded.min,
      max = excluded.max, first = excluded.first, first_time = excluded.first_time, last = excluded.last, last_time = excluded.last_time,
      delta = excluded.delta, resets = excluded.resets, final = excluded.final, revision = excluded.revision, computed_at = excluded.computed_at
    where r.revision < excluded.revision`;
}
