/**
 * CONTRACT MIRROR, for tests and benchmarks only. Creates the PostgreSQL tables
 * of /tmp/brief/contracts.md ("shared contracts") in a schema, the way the
 * timescale-sink's migrations will, and fills the rollup tables from the raw
 * rows with SQL (date_bin), so the query API can be tested before the sinks
 * land. It mirrors the contract; it is not the sinks' code. If the contract
 * changes, change this file with it.
 */
import { escapeIdentifier, type Pool } from 'pg';
import type { ParameterKind } from '../schemas/types';

export const mirroredResolutions: Record<string, string> = { '1m': '1 minute', '1h': '1 hour', '1d': '1 day' };

export async function createContractTables(pool: Pool, schema: string): Promise<void> {
  const s = escapeIdentifier(schema);
  await pool.query(`
    create table ${s}.series (path text primary key, tenant text not null, site text not null, device text not null, metric text not null,
      kind text not null check (kind in ('energy','additive','non_additive')), unit text, first_seen timestamptz not null, last_seen timestamptz not null);
    create table ${s}.measurements (path text not null, time timestamptz not null, value double precision not null, received_at timestamptz not null,
      primary key (path, time));
    ${Object.keys(mirroredResolutions)
      .map(
        (resolution) => `create table ${s}.${escapeIdentifier(`rollups_${resolution}`)} (path text not null, bucket timestamptz not null, bucket_end timestamptz not null,
      kind text not null, count bigint not null, sum double precision not null, min double precision not null, max double precision not null,
      first double precision not null, first_time timestamptz not null, last double precision not null, last_time timestamptz not null,
      delta double precision, resets integer not null, final boolean not null, revision bigint not null, computed_at timestamptz not null,
      primary key (path, bucket));`,
      )
      .join('\n')}
  `);
}

export interface MirrorSeries {
  path: string;
  kind: ParameterKind;
  unit: string | null;
}

/** Inserts series rows and raw readings (epoch ms times). */
export async function loadReadings(pool: Pool, schema: string, series: MirrorSeries[], readings: { path: string; time: number; value: number }[]): Promise<void> {
  const s = escapeIdentifier(schema);
  for (const { path, kind, unit } of series) {
    const [, tenant, site, device, metric] = path.split('/');
    await pool.query(
      `insert into ${s}.series (path, tenant, site, device, metric, kind, unit, first_seen, last_seen) values ($1, $2, $3, $4, $5, $6, $7, now(), now())`,
      [path, tenant, site, device, metric, kind, unit],
    );
  }
  const chunk = 50_000;
  for (let i = 0; i < readings.length; i += chunk) {
    const part = readings.slice(i, i + chunk);
    await pool.query(
      `insert into ${s}.measurements (path, time, value, received_at)
       select path, to_timestamp(0) + t * interval '1 millisecond', value, now() from unnest($1::text[], $2::bigint[], $3::float8[]) as r(path, t, value)
       on conflict do nothing`,
      [part.map((r) => r.path), part.map((r) => r.time), part.map((r) => r.value)],
    );
  }
}

/**
 * Computes every rollup table from the raw rows, per the contract's semantics:
 * energy delta = sum of increments against the previous reading of the series
 * (the reading itself after a decrease, 0 for the very first), resets = decreases.
 */
export async function computeRollups(pool: Pool, schema: string): Promise<void> {
  const s = escapeIdentifier(schema);
  for (const [resolution, interval] of Object.entries(mirroredResolutions)) {
    await pool.query(`
      insert into ${s}.${escapeIdentifier(`rollups_${resolution}`)}
      select x.path, x.bucket, x.bucket + interval '${interval}', x.kind, count(*), sum(x.value), min(x.value), max(x.value),
             (array_agg(x.value order by x.time))[1], min(x.time), (array_agg(x.value order by x.time desc))[1], max(x.time),
             case when x.kind = 'energy' then sum(x.increment) end, count(*) filter (where x.value < x.prev), true, count(*) * 2 + 1, now()
        from (select m.path, m.time, m.value, se.kind, lag(m.value) over w as prev,
                     date_bin(interval '${interval}', m.time, timestamptz '1970-01-01 00:00:00+00') as bucket,
                     case when lag(m.value) over w is null then 0 when m.value >= lag(m.value) over w then m.value - lag(m.value) over w else m.value end as increment
                from ${s}.measurements m join ${s}.series se on se.path = m.path
              window w as (partition by m.path order by m.time)) x
       group by x.path, x.bucket, x.kind`);
  }
}
