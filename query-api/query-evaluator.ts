import { FleetstreamError } from '../lib/errors';
import { aggregateValue, resolveAggregate, type AggregateName } from './aggregate';
import type { RangePiece } from './auto-resolution';
import type { ApiContext } from './context';
import type { Query } from './query-language/ast';
import { resolveTime } from './query-language/time';
import { combine, readAuto } from './range-reader';
import { selectReadings, type SeriesReadings } from './readings';
import { matchSeries, type SeriesInfo } from './series-catalogue';
import type { TenantScope } from './tenant-scope';
import { readIncompleteness, rollupRanges, type Incompleteness } from './too-old-readings';

export interface AppliedSeries extends SeriesInfo {
  aggregate: AggregateName;
  value: number | null;
  count: number;
  /** where the answer came from: rollup resolutions and raw spans, in time order */
  sources: RangePiece[];
  /** present only when the rollups read left out readings the raw rows hold (too_old_readings) */
  incomplete?: Incompleteness;
}

export type QueryResult = { form: 'select'; series: SeriesReadings[] } | { form: 'apply'; start: number; end: number; series: AppliedSeries[] };

export function checkRange(start: number, end: number): void {
  if (!(start < end)) throw new FleetstreamError('QUERY_INVALID', `the range is empty: its start (${new Date(start).toISOString()}) must come before its end (${new Date(end).toISOString()})`);
}

/** Answers a parsed query inside the scope. */
export async function evaluateQuery(context: ApiContext, scope: TenantScope, query: Query): Promise<QueryResult> {
  const { db, tables, options } = context;
  const now = options.clock();
  if (query.form === 'select') {
    const series = await matchSeries(db, tables, scope, query.where, options.maxSeries);
    const range = query.range;
    const selection =
      range.kind === 'in'
        ? { kind: 'in' as const, start: resolveTime(range.start, now), end: resolveTime(range.end, now), limit: query.limit ?? options.maxPoints + 1 }
        : { kind: range.kind, time: resolveTime(range.time, now), limit: query.limit ?? 1 };
    if (selection.kind === 'in') checkRange(selection.start, selection.end);
    return { form: 'select', series: await selectReadings(db, tables, series, selection, options.maxPoints) };
  }
  const start = resolveTime(query.start, now);
  const end = resolveTime(query.end, now);
  checkRange(start, end);
  const series = (await matchSeries(db, tables, scope, query.where, options.maxSeries)).slice(0, query.limit);
  // refuse before reading anything: one series of the wrong kind makes the whole query meaningless
  const aggregates = series.map((s) => resolveAggregate(query.aggregate, s.kind, s.path));
  const spans = await readAuto(db, tables, context.levels, series.map((s) => ({ path: s.path, start, end })), 'summary', options.maxPoints);
  const incompleteness = await readIncompleteness(db, tables, series.map((s, i) => ({ path: s.path, energy: s.kind === 'energy', ranges: rollupRanges(spans[i] ?? []) })));
  return {
    form: 'apply',
    start,
    end,
    series: series.map((s, i) => {
      const { partial, pieces } = combine(spans[i] ?? []);
      const aggregate = aggregates[i] as AggregateName;
      const incomplete = incompleteness[i];
      return { ...s, aggregate, value: aggregateValue(partial, aggregate), count: partial.count, sources: pieces, ...(incomplete ? { incomplete } : {}) };
    }),
  };
}
