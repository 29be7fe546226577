/**
 * The records from the rollup stages to the corrector, on the invalidations
 * topic (`<prefix>.invalidations`), keyed and partitioned by series path so
 * one series' come in order: the windows of a series a stage closed and then
 * took input for, to recompute from the stored raw readings; or a reading
 * older than the correction horizon, left out of the rollups, to record.
 * JSON: internal to the rollup processor, not a contract with other
 * components. Pure: no I/O.
 *
 * A record lists every window of its series a batch invalidated: a device's
 * backlog invalidates a run of its windows at once, and one record each put
 * a record per late reading into a stage's commit under a backlog (20,000 a
 * commit at its bound, each repeating the series' description). Records of
 * one window (`windowStart`), as earlier versions wrote them, still read.
 */
import type { Message } from 'kafkajs';
import { partitionForPath } from './key-partition';
import type { SeriesMeta } from './partition-windows';

export type Invalidation =
  | {
      type: 'window';
      meta: SeriesMeta;
      resolution: string;
      /** the windows' starts, each once */
      windowStarts: number[];
      /** the series' windows ending at or before this were closed when the stage wrote it */
      closedThrough: number;
    }
  | { type: 'too_old'; path: string; time: number };

export function invalidationMessage(invalidation: Invalidation, topic: string, partitions: number): Message {
  const path = invalidation.type === 'window' ? invalidation.meta.path : invalidation.path;
  return { key: path, value: JSON.stringify(invalidation), partition: partitionForPath(topic, path, partitions) };
}

/** undefined for a record that is no invalidation (written by something else): the corrector skips it. */
export function parseInvalidation(value: Buffer | null): Invalidation | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value.toString()) as (Partial<Invalidation> & { windowStart?: unknown }) | null;
    if (parsed?.type === 'window' && typeof parsed.meta?.path === 'string' && typeof parsed.resolution === 'string') {
      const { windowStart, windowStarts, ...rest } = parsed;
      // one window, as earlier versions wrote it
      if (typeof windowStart === 'number') return { ...rest, windowStarts: [windowStart] } as Invalidation;
      if (Array.isArray(windowStarts) && windowStarts.length > 0 && windowStarts.every((w) => typeof w === 'number')) return { ...rest, windowStarts } as Invalidation;
    }
    if (parsed?.type === 'too_old' && typeof parsed.path === 'string' && typeof parsed.time === 'number') return parsed as Invalidation;
  } catch {
    // not JSON
  }
  return undefined;
}
