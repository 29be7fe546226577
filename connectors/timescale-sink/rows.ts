/**
 * Kafka records to column arrays, ready for `unnest` (or COPY). Pure: the
 * de-duplication a single INSERT ... ON CONFLICT DO UPDATE needs lives here.
 */
import type { Measurement, ParameterKind, Rollup } from '../../schemas/types';

export interface MeasurementColumns {
  path: string[];
  time: number[];
  value: number[];
  receivedAt: number[];
}

export interface SeriesColumns {
  path: string[];
  tenant: string[];
  site: string[];
  device: string[];
  metric: string[];
  kind: ParameterKind[];
  unit: (string | null)[];
  firstSeen: number[];
  lastSeen: number[];
}

export interface RollupColumns {
  path: string[];
  bucket: number[];
  bucketEnd: number[];
  kind: ParameterKind[];
  count: number[];
  sum: number[];
  min: number[];
  max: number[];
  first: number[];
  firstTime: number[];
  last: number[];
  lastTime: number[];
  delta: (number | null)[];
  resets: number[];
  final: boolean[];
  revision: number[];
  computedAt: number[];
}

/** One row per (path, time): a duplicate inside a batch is a replay, the first one wins as `on conflict do nothing` would. */
export function measurementColumns(measurements: readonly Measurement[]): MeasurementColumns {
  const seen = new Set<string>();
  const columns: MeasurementColumns = { path: [], time: [], value: [], receivedAt: [] };
  for (const m of measurements) {
    const key = `${m.timestamp}|${m.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    columns.path.push(m.path);
    columns.time.push(m.timestamp);
    columns.value.push(m.value);
    columns.receivedAt.push(m.receivedAt);
  }
  return columns;
}

/** One catalogue row per path: first and last seen over the batch, kind and unit of its newest reading; sorted by path (lock order). */
export function seriesColumns(measurements: readonly Measurement[]): SeriesColumns {
  const byPath = new Map<string, { newest: Measurement; firstSeen: number; lastSeen: number }>();
  for (const m of measurements) {
    const entry = byPath.get(m.path);
    if (!entry) {
      byPath.set(m.path, { newest: m, firstSeen: m.timestamp, lastSeen: m.timestamp });
      continue;
    }
    entry.firstSeen = Math.min(entry.firstSeen, m.timestamp);
    if (m.timestamp >= entry.lastSeen) {
      entry.lastSeen = m.timestamp;
      entry.newest = m;
    }
  }
  const columns: SeriesColumns = { path: [], tenant: [], site: [], device: [], metric: [], kind: [], unit: [], firstSeen: [], lastSeen: [] };
  for (const path of [...byPath.keys()].sort()) {
    const { newest, firstSeen, lastSeen } = byPath.get(path)!;
    columns.path.push(path);
    columns.tenant.push(newest.tenant);
    columns.site.push(newest.site);
    columns.device.push(newest.device);
    columns.metric.push(newest.metric);
    columns.kind.push(newest.kind);
    columns.unit.push(newest.unit);
    columns.firstSeen.push(firstSeen);
    columns.lastSeen.push(lastSeen);
  }
  return columns;
}

/**
 * One row per (path, window start), the highest revision (an upsert cannot
 * touch the same row twice in one statement); sorted by key (lock order).
 */
export function rollupColumns(rollups: readonly Rollup[]): RollupColumns {
  const byKeyThenRevision = [...rollups].sort((a, b) =>
    (a.path < b.path ? -1 : a.path > b.path ? 1 : a.windowStart - b.windowStart || b.revision - a.revision));
  const columns: RollupColumns = {
    path: [], bucket: [], bucketEnd: [], kind: [], count: [], sum: [], min: [], max: [], first: [], firstTime: [],
    last: [], lastTime: [], delta: [], resets: [], final: [], revision: [], computedAt: [],
  };
  let previous: Rollup | undefined;
  for (const r of byKeyThenRevision) {
    if (previous && previous.path === r.path && previous.windowStart === r.windowStart) continue; // a lower revision of the row just taken
    previous = r;
    columns.path.push(r.path);
    columns.bucket.push(r.windowStart);
    columns.bucketEnd.push(r.windowEnd);
    columns.kind.push(r.kind);
    columns.count.push(r.count);
    columns.sum.push(r.sum);
    columns.min.push(r.min);
    columns.max.push(r.max);
    columns.first.push(r.first);
    columns.firstTime.push(r.firstTime);
    columns.last.push(r.last);
    columns.lastTime.push(r.lastTime);
    columns.delta.push(r.delta);
    columns.resets.push(r.resets);
    columns.final.push(r.final);
    columns.revision.push(r.revision);
    columns.computedAt.push(r.computedAt);
  }
  return columns;
}

/** The rows at `indexes` (ascending) and the rest, both keeping their order. */
export function splitRollupColumns(columns: RollupColumns, indexes: readonly number[]): { selected: RollupColumns; rest: RollupColumns } {
  const keys = Object.keys(columns) as (keyof RollupColumns)[];
  const empty = () => Object.fromEntries(keys.map((k) => [k, []])) as unknown as RollupColumns;
  const selected = empty();
  const rest = empty();
  let next = 0;
  for (let i = 0; i < columns.path.length; i++) {
    const into = indexes[next] === i ? (next++, selected) : rest;
    for (const k of keys) (into[k] as unknown[]).push(columns[k][i]);
  }
  return { selected, rest };
}

/*
 * COPY text format: one line per row, tab-separated columns, `\N` for null;
 * backslash, tab, newline and carriage return in a value are escaped.
 */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** The measurement columns as COPY text lines (times as ISO-8601 UTC). */
export function measurementCopyText(columns: MeasurementColumns): string {
  let out = '';
  for (let i = 0; i < columns.path.length; i++) {
    out += `${copyText(columns.path[i]!)}\t${new Date(columns.time[i]!).toISOString()}\t${columns.value[i]}\t${new Date(columns.receivedAt[i]!).toISOString()}\n`;
  }
  return out;
}
