import { FleetstreamError } from '../lib/errors';
import type { Tables } from '../schemas/tables';
import { epochMs, timeParameter, type Database } from './database';
import type { SeriesInfo } from './series-catalogue';

export type Reading = [time: number, value: number];

export interface SeriesReadings extends SeriesInfo {
  readings: Reading[];
}

/** Which raw readings `select data` wants: sMAP semantics, per series. */
export type ReadingSelection =
  /** the latest `limit` readings at or before `time` */
  | { kind: 'before'; time: number; limit: number }
  /** the first `limit` readings at or after `time` */
  | { kind: 'after'; time: number; limit: number }
  /** readings in [start, end), at most `limit` per series */
  | { kind: 'in'; start: number; end: number; limit: number };

/**
 * Raw readings of each series, oldest first. One statement for all series; the
 * whole answer is capped at maxPoints (TOO_MANY_POINTS beyond).
 */
export async function selectReadings(db: Database, tables: Tables, series: SeriesInfo[], selection: ReadingSelection, maxPoints: number): Promise<SeriesReadings[]> {
  if (series.length === 0) return [];
  const condition =
    selection.kind === 'before'
      ? 'm.time <= $2 order by m.time desc'
      : selection.kind === 'after'
        ? 'm.time >= $2 order by m.time asc'
        : 'm.time >= $2 and m.time < $5 order by m.time asc';
  const values: unknown[] = [
    series.map((s) => s.path),
    timeParameter(selection.kind === 'in' ? selection.start : selection.time),
    selection.limit,
    maxPoints + 1,
  ];
  if (selection.kind === 'in') values.push(timeParameter(selection.end));
  const rows = await db.query<{ i: number; t: number; value: number }>(
    `select p.i::int as i, r.t, r.value
       from unnest($1::text[]) with ordinality as p(path, i)
       cross join lateral (select ${epochMs('m.time')} as t, m.value from ${tables.measurements} m where m.path = p.path and ${condition} limit $3) r
      order by p.i, r.t
      limit $4`,
    values,
  );
  if (rows.length > maxPoints) {
    throw new FleetstreamError('TOO_MANY_POINTS', `the answer holds more than ${maxPoints} readings; add "limit N" (per series), narrow the range, or use apply`);
  }
  const result: SeriesReadings[] = series.map((s) => ({ ...s, readings: [] }));
  for (const row of rows) result[row.i - 1]?.readings.push([row.t, row.value]);
  return result;
}
