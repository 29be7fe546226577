/**
 * The window state of one input partition: every open window of every series
 * in it, and the partition's watermark. Pure: the stage feeds it inputs and
 * wall-clock ticks, and sends what it emits.
 *
 * Event time closes windows: the watermark is the largest event time seen
 * minus the allowed lateness; a window closes (its final rollup is emitted)
 * once the watermark passed its end. A partition that goes quiet for
 * `idleMs` lets its watermark follow the wall clock from there, so its last
 * windows close too.
 *
 * An input is late when its window ends at or before the watermark as of the
 * inputs before it in the partition, whether or not `advance` has emitted that
 * window yet: the partition's order alone decides, so a replay, or Kafka
 * cutting the same records into other batches, calls the same inputs late.
 */
import type { Measurement } from '../../schemas/types';
import { windowStartOf } from './resolution';
import type { Reading, RollupValues } from './window-aggregate';
import type { WindowLogic } from './window-logic';

/** What identifies a series and fixes how it rolls up. */
export type SeriesMeta = Pick<Measurement, 'path' | 'tenant' | 'site' | 'device' | 'metric' | 'kind'>;

export interface Emission {
  meta: SeriesMeta;
  windowStart: number;
  windowEnd: number;
  values: RollupValues;
  final: boolean;
}

export interface WindowTiming {
  sizeMs: number;
  latenessMs: number;
  idleMs: number;
}

interface OpenWindow<W> {
  window: W;
  /** changed since its last provisional emission */
  changed: boolean;
}

interface SeriesState<W> {
  meta: SeriesMeta;
  /** energy: last reading of the series' last closed window */
  carry: Reading | undefined;
  windows: Map<number, OpenWindow<W>>;
}

export type AddOutcome = 'accepted' | 'duplicate' | 'late';

export interface PartitionSnapshot {
  watermark: number;
  maxProgress: number;
}

export interface SeriesSnapshot {
  meta: SeriesMeta;
  carry: Reading | null;
  windows: [number, unknown][];
}

export class PartitionWindows<I, W> {
  private watermark = -Infinity;
  private maxProgress = -Infinity;
  private lastInputAt: number;
  private readonly series = new Map<string, SeriesState<W>>();
  /** series whose state changed since `takeChanged()` (for the state changelog) */
  private readonly changed = new Set<string>();

  constructor(
    private readonly logic: WindowLogic<I, W>,
    private readonly timing: WindowTiming,
    wallNow: number,
  ) {
    this.lastInputAt = wallNow;
  }

  get openWindows(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.windows.size;
    return n;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** The watermark an input is judged against now (the last `advance`'s, or event time's since). */
  get currentWatermark(): number {
    return Math.max(this.watermark, this.maxProgress - this.timing.latenessMs);
  }

  /**
   * `time` places the input in a window; `progress` is how far event time has
   * provably come (a reading's time; a finer window's end).
   */
  add(meta: SeriesMeta, time: number, progress: number, input: I, wallNow: number): AddOutcome {
    const start = windowStartOf(time, this.timing.sizeMs);
    this.lastInputAt = wallNow;
    if (start + this.timing.sizeMs <= this.currentWatermark) return 'late';
    if (progress > this.maxProgress) this.maxProgress = progress;
    let series = this.series.get(meta.path);
    if (!series) {
      series = { meta, carry: undefined, windows: new Map() };
      this.series.set(meta.path, series);
    }
    let open = series.windows.get(start);
    if (!open) {
      open = { window: this.logic.create(), changed: false };
      series.windows.set(start, open);
    }
    if (!this.logic.add(open.window, input)) return 'duplicate';
    open.changed = true;
    this.changed.add(meta.path);
    return 'accepted';
  }

  /** Moves the watermark (event time, and the wall clock once idle) and returns the final rollups of the windows it closed. */
  advance(wallNow: number): Emission[] {
    const { sizeMs, latenessMs, idleMs } = this.timing;
    let watermark = this.maxProgress - latenessMs;
    const idleFor = wallNow - this.lastInputAt - idleMs;
    if (idleFor > 0) watermark += idleFor;
    if (!(watermark > this.watermark)) return [];
    this.watermark = watermark;
    const finals: Emission[] = [];
    for (const series of this.series.values()) {
      const closing = [...series.windows.keys()].filter((start) => start + sizeMs <= watermark).sort((a, b) => a - b);
      for (const start of closing) {
        const open = series.windows.get(start)!;
        finals.push(this.emission(series, start, open.window, series.carry, true));
        // only energy increments look back at the previous reading
        if (series.meta.kind === 'energy') series.carry = this.logic.lastReading(open.window) ?? series.carry;
        series.windows.delete(start);
      }
      if (closing.length > 0) this.changed.add(series.meta.path);
    }
    // in window order across series: the next stage takes these windows' ends as its event time, and a batch
    // of them may reach it split in two; series by series, the first part would make the rest late there
    return finals.sort((a, b) => a.windowStart - b.windowStart);
  }

  /** Provisional rollups of the open windows that changed since their last one. */
  provisional(): Emission[] {
    const out: Emission[] = [];
    for (const series of this.series.values()) {
      let previous = series.carry;
      for (const start of [...series.windows.keys()].sort((a, b) => a - b)) {
        const open = series.windows.get(start)!;
        if (open.changed) {
          out.push(this.emission(series, start, open.window, previous, false));
          open.changed = false;
        }
        previous = this.logic.lastReading(open.window) ?? previous;
      }
    }
    return out;
  }

  /** Series changed since the last call, as snapshots (null: nothing left to keep, delete it). */
  takeChanged(): { partition: PartitionSnapshot; series: [string, SeriesSnapshot | null][] } {
    const series: [string, SeriesSnapshot | null][] = [];
    for (const path of this.changed) {
      const state = this.series.get(path);
      if (state && state.windows.size === 0 && state.carry === undefined) this.series.delete(path);
      series.push([path, this.series.has(path) ? this.snapshotOf(state!) : null]);
    }
    this.changed.clear();
    return { partition: { watermark: this.watermark, maxProgress: this.maxProgress }, series };
  }

  restorePartition(snapshot: PartitionSnapshot): void {
    // JSON has no -Infinity: a partition that saw nothing yet comes back as null
    this.watermark = snapshot.watermark ?? -Infinity;
    this.maxProgress = snapshot.maxProgress ?? -Infinity;
  }

  restoreSeries(snapshot: SeriesSnapshot): void {
    const windows = new Map<number, OpenWindow<W>>();
    for (const [start, data] of snapshot.windows) windows.set(start, { window: this.logic.deserialize(data), changed: true });
    this.series.set(snapshot.meta.path, { meta: snapshot.meta, carry: snapshot.carry ?? undefined, windows });
  }

  forgetSeries(path: string): void {
    this.series.delete(path);
  }

  private snapshotOf(state: SeriesState<W>): SeriesSnapshot {
    return {
      meta: state.meta,
      carry: state.carry ?? null,
      windows: [...state.windows].map(([start, open]) => [start, this.logic.serialize(open.window)]),
    };
  }

  private emission(series: SeriesState<W>, start: number, window: W, previous: Reading | undefined, final: boolean): Emission {
    return {
      meta: series.meta,
      windowStart: start,
      windowEnd: start + this.timing.sizeMs,
      values: this.logic.summarize(window, series.meta.kind, previous),
      final,
    };
  }
}
