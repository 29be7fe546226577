/**
 * The aggregate of one series over one window, and the two ways to make it:
 * from readings (the finest stage) and by merging finer windows (every
 * coarser stage). Pure: no I/O.
 */
import type { ParameterKind, Rollup } from '../../schemas/types';

export type RollupValues = Pick<Rollup, 'count' | 'sum' | 'min' | 'max' | 'first' | 'firstTime' | 'last' | 'lastTime' | 'delta' | 'resets'>;

export interface Reading {
  time: number;
  value: number;
}

/**
 * Readings of one window, `time -> value`. A reading whose time is already
 * present is a duplicate (QoS 1 redelivery, producer retry) and counts once:
 * the first one stays.
 */
export class ReadingWindow {
  readonly readings = new Map<number, number>();
  /** Readings added since `takeUnsaved()`, flat: time, value, time, value, ... (numbers, not objects: cheap to keep). */
  private unsaved: number[] = [];

  add(time: number, value: number): boolean {
    if (this.readings.has(time)) return false;
    this.readings.set(time, value);
    this.unsaved.push(time, value);
    return true;
  }

  /** The readings added since the last call (flat), and forgets them; undefined when none. */
  takeUnsaved(): number[] | undefined {
    if (this.unsaved.length === 0) return undefined;
    const taken = this.unsaved;
    this.unsaved = [];
    return taken;
  }

  /** Adds readings as `takeUnsaved` gave them, as saved already. */
  addSaved(flat: readonly number[]): void {
    for (let i = 0; i + 1 < flat.length; i += 2) if (!this.readings.has(flat[i]!)) this.readings.set(flat[i]!, flat[i + 1]!);
  }

  /** Everything in the window counts as unsaved again. */
  unsaveAll(): void {
    this.unsaved = [...this.readings].flat();
  }

  sorted(): Reading[] {
    return [...this.readings].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
  }
}

/**
 * Energy: the increment of a reading is `v_i - v_(i-1)` when the counter did
 * not decrease and `v_i` when it did (a reset); `previous` is the series' last
 * reading before the window (none for its very first reading, whose increment
 * is 0). The window's delta is the sum of its readings' increments.
 */
export function summarizeReadings(kind: ParameterKind, readings: Reading[], previous: Reading | undefined): RollupValues {
  const first = readings[0];
  const last = readings[readings.length - 1];
  if (!first || !last) throw new Error('a window has at least one reading');
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let delta = 0;
  let resets = 0;
  let prev = previous?.value;
  for (const { value } of readings) {
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
    if (prev !== undefined) {
      if (value >= prev) delta += value - prev;
      else {
        delta += value;
        resets++;
      }
    }
    prev = value;
  }
  const energy = kind === 'energy';
  return {
    count: readings.length,
    sum,
    min,
    max,
    first: first.value,
    firstTime: first.time,
    last: last.value,
    lastTime: last.time,
    delta: energy ? delta : null,
    resets: energy ? resets : 0,
  };
}

/** A coarser window from its finer windows: counts, sums and deltas add; min/max/first/last by value and time. */
export function mergeWindows(kind: ParameterKind, parts: RollupValues[]): RollupValues {
  const ordered = [...parts].sort((a, b) => a.firstTime - b.firstTime);
  const head = ordered[0];
  if (!head) throw new Error('a window has at least one part');
  const merged: RollupValues = { ...head, delta: kind === 'energy' ? 0 : null, resets: 0, count: 0, sum: 0 };
  for (const part of ordered) {
    merged.count += part.count;
    merged.sum += part.sum;
    if (part.min < merged.min) merged.min = part.min;
    if (part.max > merged.max) merged.max = part.max;
    if (part.lastTime >= merged.lastTime) {
      merged.last = part.last;
      merged.lastTime = part.lastTime;
    }
    if (merged.delta !== null) merged.delta += part.delta ?? 0;
    merged.resets += part.resets;
  }
  return merged;
}

/** Grows with every emission of a window and is the same for the same input: a store keeps the highest. */
export function revisionOf(count: number, final: boolean): number {
  return count * 2 + (final ? 1 : 0);
}

/** Above every `revisionOf` (a window would need 2^39 readings to reach it), and below 2^53 for 2^52 invalidations. */
const CORRECTION_REVISIONS = 2 ** 40;

/**
 * The revision of a window recomputed from the stored raw readings (corrector.ts):
 * above any the stage gave it, and growing with `sequence`, the offset of the
 * newest invalidation of the window's series it answers.
 */
export function correctionRevision(sequence: number): number {
  return CORRECTION_REVISIONS + sequence;
}
