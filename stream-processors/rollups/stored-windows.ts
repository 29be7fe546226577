/**
 * Rollup values of windows recomputed from the raw readings the timescale-sink
 * stored (the `measurements` table of schemas/tables.ts), for correcting a
 * window that a late reading changed after it was closed. The aggregation runs
 * in PostgreSQL, one statement for a whole batch of windows: a 1d window of a
 * 1 Hz series is 86,400 rows, which stay in the database.
 *
 * The values equal `summarizeReadings` (window-aggregate.ts) over the window's
 * stored readings in time order, with the series' last stored reading before
 * the window as `previous`.
 */
import type { ParameterKind } from '../../schemas/types';
import type { RollupValues } from './window-aggregate';

/** One series' window, [windowStart, windowEnd) in epoch ms. */
export interface WindowRequest {
  path: string;
  kind: ParameterKind;
  windowStart: number;
  windowEnd: number;
}

/** Anything with pg's `query(text, values)` (a Pool or a PoolClient). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Epoch ms to timestamptz, exactly (an integer ms times 1000 is an exact microsecond count). */
const fromEpochMs = (ms: string) => `timestamptz 'epoch' + ${ms} * interval '1 millisecond'`;
const toEpochMs = (time: string) => `(extract(epoch from ${time}) * 1000)::float8`;

/**
 * Per run of adjacent windows of one series (a backlog invalidates hundreds in
 * a row): the previous reading before the run by a backward scan of the
 * primary key (path, time), limit 1, for energy only; the run's readings by
 * one forward range scan of the same index, already in time order, so `lag()`
 * needs no sort; grouped by window, first and last values from ordered
 * aggregates. Windows of a run share its one index descent: 4,800 1m windows
 * in runs of 240 took 175-540 ms against 560-980 ms one window at a time
 * (2,000 series of 480 readings, a loaded 2-core machine); windows on their
 * own cost about what they did.
 *
 * The planner's cost grows with the batch (~850 per request), so past ~120
 * requests it passes `jit_above_cost` and JIT-compiles: 2,000 requests spent
 * 1,064 ms of 1,269 in JIT, 0.4 s without it (a busy 2-core machine). Give
 * the pool `-c jit=off`.
 */
function summarizeStatement(measurements: string): string {
  return `
    select r.ordinality as run, w.window_start, ${toEpochMs('w.first_time')} as first_time, ${toEpochMs('w.last_time')} as last_time,
           w.count, w.sum, w.min, w.max, w.delta, w.resets, w.first, w.last
    from (
      select ordinality, path, kind, size_ms, start_ms, ${fromEpochMs('start_ms')} as run_start, ${fromEpochMs('end_ms')} as run_end
      from unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[]) with ordinality as u(path, kind, start_ms, end_ms, size_ms, ordinality)
    ) r
    left join lateral (
      select m.value from ${measurements} m
      where r.kind = 'energy' and m.path = r.path and m.time < r.run_start
      order by m.time desc limit 1
    ) previous on true
    cross join lateral (
      select window_start, count(*)::int as count, sum(value) as sum, min(value) as min, max(value) as max, min(time) as first_time, max(time) as last_time,
             sum(case when before is null then 0 when value >= before then value - before else value end) as delta,
             (count(*) filter (where value < before))::int as resets,
             (array_agg(value order by time))[1] as first, (array_agg(value order by time desc))[1] as last
      from (
        select m.time, m.value, lag(m.value, 1, previous.value) over (order by m.time) as before,
               (r.start_ms + floor((${toEpochMs('m.time')} - r.start_ms) / r.size_ms) * r.size_ms)::float8 as window_start
        from ${measurements} m
        where m.path = r.path and m.time >= r.run_start and m.time < r.run_end
      ) readings
      group by window_start
    ) w`;
}

/** Adjacent (or repeated) windows of one series and size, [start, end) on their grid: what one range scan answers. */
interface WindowRun {
  path: string;
  kind: ParameterKind;
  sizeMs: number;
  start: number;
  end: number;
}

/** The requests as runs, and for each request the index of its run. */
function windowRuns(requests: readonly WindowRequest[]): { runs: WindowRun[]; runOf: number[] } {
  const order = requests.map((_, i) => i).sort((a, b) => {
    const x = requests[a]!;
    const y = requests[b]!;
    return x.path < y.path ? -1 : x.path > y.path ? 1 : x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : x.windowEnd - x.windowStart - (y.windowEnd - y.windowStart) || x.windowStart - y.windowStart;
  });
  const runs: WindowRun[] = [];
  const runOf: number[] = new Array(requests.length);
  for (const i of order) {
    const request = requests[i]!;
    const sizeMs = request.windowEnd - request.windowStart;
    const last = runs[runs.length - 1];
    // a window of the run's grid that starts where the run ends (or inside it) extends it
    if (last && last.path === request.path && last.kind === request.kind && last.sizeMs === sizeMs && request.windowStart <= last.end && (request.windowStart - last.start) % sizeMs === 0) {
      last.end = Math.max(last.end, request.windowEnd);
    } else {
      runs.push({ path: request.path, kind: request.kind, sizeMs, start: request.windowStart, end: request.windowEnd });
    }
    runOf[i] = runs.length - 1;
  }
  return { runs, runOf };
}

function rollupValuesOf(row: Record<string, unknown>, kind: ParameterKind): RollupValues | null {
  if (row.count === 0) return null;
  return {
    count: row.count as number,
    sum: row.sum as number,
    min: row.min as number,
    max: row.max as number,
    first: row.first as number,
    firstTime: row.first_time as number,
    last: row.last as number,
    lastTime: row.last_time as number,
    delta: kind === 'energy' ? (row.delta as number) : null,
    resets: kind === 'energy' ? (row.resets as number) : 0,
  };
}

/**
 * The rollup values of each requested window over the stored raw readings of
 * its series, in request order; null for a window with no stored reading. One
 * SQL statement for all requests.
 *
 * `measurementsTable` is quoted and qualified (`tableNames(schema, ...).measurements`).
 */
export async function summarizeStoredWindows(db: Queryable, measurementsTable: string, requests: readonly WindowRequest[]): Promise<(RollupValues | null)[]> {
  if (requests.length === 0) return [];
  const { runs, runOf } = windowRuns(requests);
  const { rows } = await db.query(summarizeStatement(measurementsTable), [
    runs.map((r) => r.path),
    runs.map((r) => r.kind),
    runs.map((r) => r.start),
    runs.map((r) => r.end),
    runs.map((r) => r.sizeMs),
  ]);
  // `run` is unnest's ordinality, from 1
  const found = new Map(rows.map((row) => [`${Number(row.run) - 1}:${row.window_start as number}`, row]));
  return requests.map((request, i) => {
    const row = found.get(`${runOf[i]!}:${request.windowStart}`);
    return row ? rollupValuesOf(row, request.kind) : null;
  });
}

/**
 * For each request, the time of the series' first stored reading at or after
 * `from` (epoch ms), or null when none. One SQL statement for all requests.
 * (The corrector uses it to find the window whose energy increment a late
 * reading changed.)
 */
export async function nextStoredReadingTimes(db: Queryable, measurementsTable: string, requests: readonly { path: string; from: number }[]): Promise<(number | null)[]> {
  if (requests.length === 0) return [];
  const { rows } = await db.query(
    `select (select ${toEpochMs('m.time')} from ${measurementsTable} m where m.path = r.path and m.time >= ${fromEpochMs('r.from_ms')} order by m.time limit 1) as time
     from unnest($1::text[], $2::float8[]) with ordinality as r(path, from_ms, ordinality)
     order by r.ordinality`,
    [requests.map((r) => r.path), requests.map((r) => r.from)],
  );
  return rows.map((row) => row.time as number | null);
}
