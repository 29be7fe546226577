/**
 * How `resolution=auto` splits a time range: the coarsest rollups whose whole
 * buckets fit inside it, finer ones at its ragged edges, raw readings at the
 * finest edges. Pure: the reader (range-reader.ts) runs each level's query and
 * hands back the buckets it did not find, which go one level finer.
 */

export interface Resolution {
  /** As in the table name `rollups_<name>`: `1m`, `1h`, `1d`. */
  name: string;
  durationMs: number;
}

/** A span `[start, end)` read from one source: a rollup resolution, or `raw`. */
export interface RangePiece {
  source: string;
  start: number;
  end: number;
}

/** Coarsest first, the order `auto` tries them. */
export function coarsestFirst(resolutions: readonly Resolution[]): Resolution[] {
  return [...resolutions].sort((a, b) => b.durationMs - a.durationMs);
}

function floorTo(time: number, durationMs: number): number {
  return Math.floor(time / durationMs) * durationMs;
}

function ceilTo(time: number, durationMs: number): number {
  return Math.ceil(time / durationMs) * durationMs;
}

/**
 * Splits `[start, end)` at bucket boundaries (UTC-aligned, multiples of the
 * duration since the epoch): the whole buckets inside, and the ragged head and
 * tail around them. When no whole bucket fits, all of it is the head.
 */
export function splitAtBuckets(start: number, end: number, durationMs: number): { head?: [number, number]; whole?: [number, number]; tail?: [number, number] } {
  if (start >= end) return {};
  const wholeStart = ceilTo(start, durationMs);
  const wholeEnd = floorTo(end, durationMs);
  if (wholeStart >= wholeEnd) return { head: [start, end] };
  return {
    ...(start < wholeStart ? { head: [start, wholeStart] as [number, number] } : {}),
    whole: [wholeStart, wholeEnd],
    ...(wholeEnd < end ? { tail: [wholeEnd, end] as [number, number] } : {}),
  };
}

/**
 * The plan for `[start, end)` when every rollup bucket is there: pieces in time
 * order, covering the range exactly once.
 */
export function planRange(start: number, end: number, resolutions: readonly Resolution[]): RangePiece[] {
  const plan = (from: number, to: number, levels: Resolution[]): RangePiece[] => {
    if (from >= to) return [];
    const [level, ...finer] = levels;
    if (!level) return [{ source: 'raw', start: from, end: to }];
    const { head, whole, tail } = splitAtBuckets(from, to, level.durationMs);
    return [
      ...(head ? plan(head[0], head[1], finer) : []),
      ...(whole ? [{ source: level.name, start: whole[0], end: whole[1] }] : []),
      ...(tail ? plan(tail[0], tail[1], finer) : []),
    ];
  };
  return plan(start, end, coarsestFirst(resolutions));
}

/**
 * The runs of buckets of `[start, end)` (aligned to durationMs) whose start is
 * not among `present`, merged into ranges: these are read one level finer.
 */
export function missingRanges(start: number, end: number, durationMs: number, present: Iterable<number>): [number, number][] {
  const found = new Set(present);
  const missing: [number, number][] = [];
  for (let bucket = start; bucket < end; bucket += durationMs) {
    if (found.has(bucket)) continue;
    const last = missing[missing.length - 1];
    if (last && last[1] === bucket) last[1] = bucket + durationMs;
    else missing.push([bucket, bucket + durationMs]);
  }
  return missing;
}
