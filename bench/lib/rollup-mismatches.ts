import type { Pool } from 'pg';
import { resolutionMs } from '../../schemas/resolution';
import { tableNames } from '../../schemas/tables';
import { correctionRevision } from '../../stream-processors/rollups/window-aggregate';

/** How one resolution's stored rollups of a set of series compare with SQL over their stored raw readings. */
export interface RollupComparison {
  resolution: string;
  /** windows with raw readings, a rollup row, or both */
  windows: number;
  /** windows whose rollup row is missing, has no raw readings, or differs from SQL over them */
  mismatching: number;
  /** rollup rows written by a correction (revision at or above the correction revisions) */
  corrected: number;
}

/**
 * The rollups SQL gives over `measurements` (date_bin windows; an energy
 * increment is `v - previous`, or `v` after a counter reset, 0 for a series'
 * first reading), full-joined with the stored rows of `rollups_<resolution>`.
 * Counts, extremes, first/last and their times and resets exact; sum and
 * delta within 1e-9 relative (plus 1e-9 absolute: SQL adds the values in
 * another order than the rollups do).
 *
 * A coarser window still open (its stored row not final) holds only the
 * finer windows that closed: the stages merge finer finals, not provisional
 * rollups, so a 1d window stays short of its open hour until that hour
 * closes. Its expected value is SQL over the readings of the finer windows
 * whose stored row is final; a final window's is SQL over all its readings.
 */
function comparisonStatement(tables: { series: string; measurements: string; rollups: string; finer?: string }, finerSize: string | undefined, select: 'counts' | 'examples'): string {
  const differs = (field: string) => `abs(s.${field} - e.${field}) > 1e-9 * greatest(abs(s.${field}), abs(e.${field})) + 1e-9`;
  const mismatch = `s.path is null or e.path is null
             or s.count <> e.count or s.min <> e.min or s.max <> e.max or s.first <> e.first or s.last <> e.last
             or s.first_time <> e.first_time or s.last_time <> e.last_time or s.resets <> e.resets
             or (s.delta is null) <> (e.delta is null) or ${differs('sum')} or ${differs('delta')}`;
  return `
    with raw as (
      select m.path, sr.kind, m.time, m.value,
             lag(m.value) over (partition by m.path order by m.time) as before
      from ${tables.measurements} m join ${tables.series} sr on sr.path = m.path
      where m.path = any($2::text[])
    ), increments as (
      select path, kind, time, value,
             case when kind <> 'energy' then null when before is null then 0 when value >= before then value - before else value end as increment,
             case when kind = 'energy' and value < before then 1 else 0 end as reset
      from raw
    ), stored as (
      select * from ${tables.rollups} where path = any($2::text[])
    ), included as (
      select i.* from increments i
      ${
        tables.finer === undefined
          ? ''
          : `left join stored s on s.path = i.path and s.bucket = date_bin($1::interval, i.time, timestamptz 'epoch')
             left join (select path, bucket from ${tables.finer} where path = any($2::text[]) and final) f
               on f.path = i.path and f.bucket = date_bin('${finerSize}'::interval, i.time, timestamptz 'epoch')
             where s.final or f.path is not null`
      }
    ), expected as (
      select path, date_bin($1::interval, time, timestamptz 'epoch') as bucket,
             count(*) as count, sum(value) as sum, min(value) as min, max(value) as max,
             (array_agg(value order by time))[1] as first, min(time) as first_time,
             (array_agg(value order by time desc))[1] as last, max(time) as last_time,
             sum(increment) as delta, sum(reset)::int as resets
      from included group by path, bucket
    )
    ${
      select === 'counts'
        ? `select count(*)::int as windows,
           count(*) filter (where ${mismatch})::int as mismatching,
           count(*) filter (where s.revision >= $3)::int as corrected`
        : `select coalesce(e.path, s.path) as path, coalesce(e.bucket, s.bucket) as bucket,
           to_jsonb(e) - 'path' - 'bucket' as expected,
           case when s.path is null then null else jsonb_build_object('count', s.count, 'sum', s.sum, 'min', s.min, 'max', s.max, 'first', s.first, 'first_time', s.first_time,
             'last', s.last, 'last_time', s.last_time, 'delta', s.delta, 'resets', s.resets, 'final', s.final, 'revision', s.revision) end as stored`
    }
    from expected e full join stored s on s.path = e.path and s.bucket = e.bucket
    ${select === 'counts' ? '' : `where ${mismatch} order by 1, 2 limit $3`}`;
}

function statementFor(resolution: string, finer: string | undefined, select: 'counts' | 'examples'): string {
  const tables = tableNames('public', finer === undefined ? [resolution] : [resolution, finer]);
  return comparisonStatement(
    { series: tables.series, measurements: tables.measurements, rollups: tables.rollups.get(resolution)!, finer: finer === undefined ? undefined : tables.rollups.get(finer)! },
    finer === undefined ? undefined : `${resolutionMs(finer)} milliseconds`,
    select,
  );
}

/**
 * Compares the rollups of `paths` at `resolution` (in the `public` schema the
 * sinks write by default) with SQL over their raw readings; `finer` is the
 * resolution it is computed from, none for the finest.
 */
export async function compareRollups(pool: Pool, resolution: string, finer: string | undefined, paths: readonly string[]): Promise<RollupComparison> {
  const { rows } = await pool.query<{ windows: number; mismatching: number; corrected: number }>(statementFor(resolution, finer, 'counts'), [`${resolutionMs(resolution)} milliseconds`, paths, correctionRevision(0)]);
  const row = rows[0]!;
  return { resolution, windows: row.windows, mismatching: row.mismatching, corrected: row.corrected };
}

/** A window whose stored rollup differs from SQL over its raw readings: both sides, `null` where a side has no row. */
export interface RollupMismatch {
  path: string;
  bucket: Date;
  expected: Record<string, unknown> | null;
  stored: Record<string, unknown> | null;
}

/** Up to `limit` of the windows `compareRollups` counts as mismatching, in path and window order: what to look at when a run is not exact. */
export async function mismatchingRollups(pool: Pool, resolution: string, finer: string | undefined, paths: readonly string[], limit: number): Promise<RollupMismatch[]> {
  const { rows } = await pool.query<RollupMismatch>(statementFor(resolution, finer, 'examples'), [`${resolutionMs(resolution)} milliseconds`, paths, limit]);
  return rows;
}
