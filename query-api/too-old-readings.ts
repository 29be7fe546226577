/**
 * Which answers computed from rollups miss readings: the rollups leave out
 * readings that arrive older than their correction horizon, and record them in
 * `too_old_readings` (schemas/tables.ts); the raw table still holds them. An
 * answer says, per series, how many of them fall in the parts it read from
 * rollup tables; parts read from raw rows are complete and are not looked at.
 */
import type { Tables } from '../schemas/tables';
import { epochMs, timeParameter, type Database } from './database';
import type { SpanSummary } from './range-reader';

/** The readings an answer's aggregate for one series is missing. */
export interface Incompleteness {
  /** how many stored readings the rollups read for the answer left out */
  tooOld: number;
  /** the earliest and latest of their times, epoch ms */
  first: number;
  last: number;
}

/** One series of an answer, with the parts `[start, end)` of its range read from rollup tables. */
export interface RollupCoverage {
  path: string;
  /** energy: a reading's increment is taken against the reading before it (see readIncompleteness) */
  energy: boolean;
  ranges: readonly [number, number][];
}

/** The rollup buckets among an answer's spans, joined where adjacent: what `auto` read from rollups. */
export function rollupRanges(spans: readonly SpanSummary[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const span of spans) {
    if (span.source === 'raw') continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] >= span.start) last[1] = Math.max(last[1], span.end);
    else ranges.push([span.start, span.end]);
  }
  return ranges;
}

/**
 * What an answer from one rollup resolution covers: every bucket that starts in
 * `[start, end)`, whether it has a row or not (a window whose readings all
 * arrived too old has none, and its readings are missing from the answer all
 * the same).
 */
export function bucketsStartingIn(start: number, end: number, durationMs: number): [number, number][] {
  const first = Math.ceil(start / durationMs) * durationMs;
  const after = Math.ceil(end / durationMs) * durationMs;
  return first < after ? [[first, after]] : [];
}

/**
 * The too_old readings in each series' rollup ranges, in one statement over
 * the (path, time) keys of too_old_readings and measurements; no statement
 * when no series has a rollup range. For an energy series, the stored reading
 * just before a range counts too when it is a too_old one and the range holds
 * a reading: the first reading's increment is taken against it in the raw
 * rows, but against an older one in the rollups, which never saw it.
 * Returns one entry per series, undefined where nothing is missing.
 */
export async function readIncompleteness(db: Database, tables: Tables, coverage: readonly RollupCoverage[]): Promise<(Incompleteness | undefined)[]> {
  const result: (Incompleteness | undefined)[] = coverage.map(() => undefined);
  const ranges = coverage.flatMap(({ path, energy, ranges: parts }, owner) => parts.map(([start, end]) => ({ owner, path, energy, start, end })));
  if (ranges.length === 0) return result;
  const rows = await db.query<{ owner: number; count: number; first: number; last: number }>(
    `select x.owner, count(distinct x.time)::int as count, ${epochMs('min(x.time)')} as first, ${epochMs('max(x.time)')} as last
       from unnest($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::bool[]) as t(owner, path, s, e, energy)
       cross join lateral (
         select t.owner, o.time from ${tables.tooOldReadings} o where o.path = t.path and o.time >= t.s and o.time < t.e
         union all
         select t.owner, o.time
           from (select m.time from ${tables.measurements} m where m.path = t.path and m.time < t.s order by m.time desc limit 1) p
           join ${tables.tooOldReadings} o on o.path = t.path and o.time = p.time
          where t.energy and exists (select 1 from ${tables.measurements} m where m.path = t.path and m.time >= t.s and m.time < t.e)
       ) x
      group by x.owner`,
    [ranges.map((r) => r.owner), ranges.map((r) => r.path), ranges.map((r) => timeParameter(r.start)), ranges.map((r) => timeParameter(r.end)), ranges.map((r) => r.energy)],
  );
  for (const { owner, count, first, last } of rows) result[owner] = { tooOld: count, first, last };
  return result;
}
