import { FleetstreamError } from '../lib/errors';
import { emptyPartial, mergePartials, type PartialAggregate } from './aggregate';
import { missingRanges, splitAtBuckets, type RangePiece, type Resolution } from './auto-resolution';
import type { Tables } from '../schemas/tables';
import { epochMs, timeParameter, type Database } from './database';

/** One series over `[start, end)`. */
export interface SeriesRange {
  path: string;
  start: number;
  end: number;
}

/** A span's summary from one source: a rollup bucket, a raw span, or one raw reading (`raw` with end = start + 1). */
export interface SpanSummary extends PartialAggregate {
  source: string;
  start: number;
  end: number;
  /** for rollup buckets: whether the window was closed (schemas/avro/rollup.avsc) */
  final?: boolean;
}

export interface RangeAggregate {
  partial: PartialAggregate;
  /** the sources read, in time order */
  pieces: RangePiece[];
}

interface Task extends SeriesRange {
  /** index of the series range the task belongs to */
  owner: number;
}

type Row = { i: number; start: number; end: number; count: number; sum: number; min: number | null; max: number | null; delta: number | null; resets: number; final: boolean };

function unnestParameters(tasks: readonly Task[]): unknown[] {
  return [tasks.map((t) => t.path), tasks.map((t) => timeParameter(t.start)), tasks.map((t) => timeParameter(t.end))];
}

const tasksTable = 'unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) with ordinality as t(path, s, e, i)';

/** Rollup rows whose bucket starts in each task's range; `finalOnly` skips provisional windows (auto reads those finer). */
async function rollupRows(db: Database, table: string, tasks: readonly Task[], finalOnly: boolean, maxRows: number): Promise<Row[]> {
  return db.query<Row>(
    `select t.i::int as i, ${epochMs('r.bucket')} as start, ${epochMs('r.bucket_end')} as "end", r.count::float8 as count,
            r.sum, r.min, r.max, r.delta, r.resets, r.final
       from ${tasksTable}
       join ${table} r on r.path = t.path and r.bucket >= t.s and r.bucket < t.e ${finalOnly ? 'and r.final' : ''}
      order by t.i, r.bucket
      limit $4`,
    [...unnestParameters(tasks), maxRows + 1],
  );
}

// Each reading's increment is taken against the previous reading of the series,
// even one before the range (as the rollups take them), so deltas of adjacent spans add up.
function previousReadingJoin(tables: Tables): string {
  return `left join lateral (select p.value from ${tables.measurements} p where p.path = t.path and p.time < t.s order by p.time desc limit 1) b on true`;
}

/** One summary per task over its raw readings, computed in PostgreSQL. */
async function rawSummaries(db: Database, tables: Tables, tasks: readonly Task[]): Promise<Row[]> {
  return db.query<Row>(
    `select t.i::int as i, a.count, a.sum, a.min, a.max, a.delta, a.resets, true as final
       from ${tasksTable}
       ${previousReadingJoin(tables)}
       cross join lateral (
         select count(*)::float8 as count, coalesce(sum(x.value), 0) as sum, min(x.value) as min, max(x.value) as max,
                coalesce(sum(case when x.prev is null then 0 when x.value >= x.prev then x.value - x.prev else x.value end), 0) as delta,
                (count(*) filter (where x.value < x.prev))::float8 as resets
           from (select m.value, coalesce(lag(m.value) over (order by m.time), b.value) as prev
                   from ${tables.measurements} m where m.path = t.path and m.time >= t.s and m.time < t.e) x
       ) a`,
    unnestParameters(tasks),
  );
}

/** Every raw reading of each task with its increment. */
async function rawReadings(db: Database, tables: Tables, tasks: readonly Task[], maxRows: number): Promise<Row[]> {
  const rows = await db.query<{ i: number; t: number; value: number; prev: number | null }>(
    `select t.i::int as i, x.t, x.value, x.prev
       from ${tasksTable}
       ${previousReadingJoin(tables)}
       cross join lateral (
         select ${epochMs('m.time')} as t, m.value, coalesce(lag(m.value) over (order by m.time), b.value) as prev
           from ${tables.measurements} m where m.path = t.path and m.time >= t.s and m.time < t.e
       ) x
      order by t.i, x.t
      limit $4`,
    [...unnestParameters(tasks), maxRows + 1],
  );
  return rows.map(({ i, t, value, prev }) => ({
    i,
    start: t,
    end: t + 1,
    count: 1,
    sum: value,
    min: value,
    max: value,
    delta: prev === null ? 0 : value >= prev ? value - prev : value,
    resets: prev !== null && value < prev ? 1 : 0,
    final: true,
  }));
}

function summary(source: string, task: Task, row: Row): SpanSummary {
  return {
    source,
    start: source === 'raw' && row.start === undefined ? task.start : row.start,
    end: source === 'raw' && row.end === undefined ? task.end : row.end,
    count: row.count,
    sum: row.sum,
    min: row.count === 0 ? null : row.min,
    max: row.count === 0 ? null : row.max,
    delta: row.delta ?? 0,
    resets: row.resets,
    final: source === 'raw' ? undefined : row.final, // one object shape for every summary: no spread
  };
}

function tooMany(maxPoints: number): FleetstreamError {
  return new FleetstreamError('TOO_MANY_POINTS', `the answer holds more than ${maxPoints} points; narrow the range, use a coarser resolution, or ask for an aggregate`);
}

/**
 * `resolution=auto`: summaries of each range from the coarsest final rollup
 * buckets that fit, finer ones at the edges and wherever a bucket is missing
 * or provisional, raw readings last. One statement per level for all ranges.
 * `raw: 'summary'` reads each raw span as one summary, `'readings'` reading by reading.
 */
export async function readAuto(
  db: Database,
  tables: Tables,
  levels: readonly Resolution[],
  ranges: readonly SeriesRange[],
  raw: 'summary' | 'readings',
  maxPoints: number,
): Promise<SpanSummary[][]> {
  const result: SpanSummary[][] = ranges.map(() => []);
  let pending: Task[] = ranges.map((range, owner) => ({ ...range, owner })).filter((t) => t.start < t.end);
  let count = 0;
  for (const level of levels) {
    const whole: Task[] = [];
    const finer: Task[] = [];
    for (const task of pending) {
      const { head, whole: middle, tail } = splitAtBuckets(task.start, task.end, level.durationMs);
      if (head) finer.push({ ...task, start: head[0], end: head[1] });
      if (middle) whole.push({ ...task, start: middle[0], end: middle[1] });
      if (tail) finer.push({ ...task, start: tail[0], end: tail[1] });
    }
    if (whole.length > 0) {
      const rows = await rollupRows(db, tables.rollups.get(level.name) as string, whole, true, maxPoints);
      if (rows.length > maxPoints) throw tooMany(maxPoints);
      const found: number[][] = whole.map(() => []);
      for (const row of rows) {
        const task = whole[row.i - 1] as Task;
        result[task.owner]?.push(summary(level.name, task, row));
        found[row.i - 1]?.push(row.start);
      }
      whole.forEach((task, index) => {
        for (const [start, end] of missingRanges(task.start, task.end, level.durationMs, found[index] ?? [])) finer.push({ ...task, start, end });
      });
      count += rows.length;
    }
    pending = finer;
  }
  if (pending.length > 0) {
    const rows = raw === 'summary' ? await rawSummaries(db, tables, pending) : await rawReadings(db, tables, pending, maxPoints);
    for (const row of rows) {
      const task = pending[row.i - 1] as Task;
      result[task.owner]?.push(summary('raw', task, row));
    }
    count += rows.length;
  }
  if (count > maxPoints) throw tooMany(maxPoints);
  for (const spans of result) spans.sort((a, b) => a.start - b.start);
  return result;
}

/** Summaries of each range from one source only: every bucket of a rollup table (final or not), or raw. */
export async function readFrom(
  db: Database,
  tables: Tables,
  source: string,
  ranges: readonly SeriesRange[],
  raw: 'summary' | 'readings',
  maxPoints: number,
): Promise<SpanSummary[][]> {
  const tasks: Task[] = ranges.map((range, owner) => ({ ...range, owner }));
  const result: SpanSummary[][] = ranges.map(() => []);
  if (tasks.length === 0) return result;
  let rows: Row[];
  if (source === 'raw') {
    rows = raw === 'summary' ? await rawSummaries(db, tables, tasks) : await rawReadings(db, tables, tasks, maxPoints);
  } else {
    const table = tables.rollups.get(source);
    if (!table) throw new FleetstreamError('QUERY_INVALID', `unknown resolution ${source}; use auto, raw or one of ${[...tables.rollups.keys()].join(', ')}`);
    rows = await rollupRows(db, table, tasks, false, maxPoints);
  }
  if (rows.length > maxPoints) throw tooMany(maxPoints);
  for (const row of rows) {
    const task = tasks[row.i - 1] as Task;
    result[task.owner]?.push(summary(source, task, row));
  }
  return result;
}

/** Merges one range's summaries into its aggregate, with the sources read (adjacent spans of one source joined). */
export function combine(spans: readonly SpanSummary[]): RangeAggregate {
  let partial: PartialAggregate = emptyPartial;
  const pieces: RangePiece[] = [];
  for (const span of spans) {
    partial = mergePartials(partial, span);
    const last = pieces[pieces.length - 1];
    if (last && last.source === span.source && last.end >= span.start) last.end = Math.max(last.end, span.end);
    else pieces.push({ source: span.source, start: span.start, end: span.end });
  }
  return { partial, pieces };
}
