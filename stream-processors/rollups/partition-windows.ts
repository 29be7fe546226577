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
import { windowStartOf } from '../../schemas/resolution';
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
  /** chunks saved so far (each a changelog record) */
  chunks: number;
}

interface SeriesState<W> {
  meta: SeriesMeta;
  /** spreads the series over the slices of `provisional` */
  slot: number;
  /** energy: last reading of the series' last closed window */
  carry: Reading | undefined;
  windows: Map<number, OpenWindow<W>>;
}

export type AddOutcome = 'accepted' | 'duplicate' | 'late';

export interface PartitionSnapshot {
  watermark: number;
  maxProgress: number;
}

/** A series without its windows: what identifies it, and the energy carry. */
export interface SeriesSnapshot {
  meta: SeriesMeta;
  carry: Reading | null;
}

/** What a window took since it was last saved (chunk number `chunk` of it), or the window closed after `closedChunks` chunks. */
export type WindowChange = { path: string; start: number; chunk: number; data: unknown } | { path: string; start: number; closedChunks: number };

/** A window as saved: its chunks in order, and, from the changelog's first form, the whole window. */
export interface SavedWindow {
  chunks: unknown[];
  legacy?: unknown;
}

/** What changed since the last `takeChanged()`; a null series: nothing left to keep, delete it. */
export interface StateChanges {
  partition: PartitionSnapshot;
  /** series created, carrying a new reading, or gone */
  series: [path: string, snapshot: SeriesSnapshot | null][];
  windows: WindowChange[];
}

export class PartitionWindows<I, W> {
  private watermark = -Infinity;
  private maxProgress = -Infinity;
  private lastInputAt: number;
  private readonly series = new Map<string, SeriesState<W>>();
  private nextSlot = 0;
  /** Since `takeChanged()` (for the state changelog): series created, with a new carry or gone; windows changed or closed. */
  private readonly changedSeries = new Set<string>();
  private readonly changedWindows = new Map<string, Set<number>>();
  /** `path NUL start` -> chunks saved, of the windows closed since `takeChanged()` */
  private readonly closedChunks = new Map<string, number>();

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
      series = { meta, slot: this.nextSlot++, carry: undefined, windows: new Map() };
      this.series.set(meta.path, series);
      this.changedSeries.add(meta.path);
    }
    let open = series.windows.get(start);
    if (!open) {
      open = { window: this.logic.create(), changed: false, chunks: 0 };
      series.windows.set(start, open);
    }
    if (!this.logic.add(open.window, input)) return 'duplicate';
    open.changed = true;
    this.windowChanged(meta.path, start);
    return 'accepted';
  }

  /** Moves the watermark (event time, and the wall clock once idle) and returns the final rollups of the windows it closed. */
  advance(wallNow: number): Emission[] {
    const { sizeMs, latenessMs, idleMs } = this.timing;
    let watermark = this.maxProgress - latenessMs;
    const idleFor = wallNow - this.lastInputAt - idleMs;
    if (idleFor > 0) watermark += idleFor;
    if (!(watermark > this.watermark)) return [];
    const crossesWindowEnd = Math.floor(watermark / sizeMs) > Math.floor(this.watermark / sizeMs);
    this.watermark = watermark;
    // window ends are multiples of the size, and every open window ends after the previous watermark:
    // until the watermark reaches the next multiple, none closes (and no series needs looking at)
    if (!crossesWindowEnd) return [];
    const finals: Emission[] = [];
    for (const series of this.series.values()) {
      const closing = [...series.windows.keys()].filter((start) => start + sizeMs <= watermark).sort((a, b) => a - b);
      for (const start of closing) {
        const open = series.windows.get(start)!;
        finals.push(this.emission(series, start, open.window, series.carry, true));
        // only energy increments look back at the previous reading
        if (series.meta.kind === 'energy') series.carry = this.logic.lastReading(open.window) ?? series.carry;
        series.windows.delete(start);
        if (open.chunks > 0) this.closedChunks.set(`${series.meta.path}\u0000${start}`, open.chunks);
        this.windowChanged(series.meta.path, start);
      }
      if (closing.length > 0) this.changedSeries.add(series.meta.path);
    }
    // in window order across series: the next stage takes these windows' ends as its event time, and a batch
    // of them may reach it split in two; series by series, the first part would make the rest late there
    return finals.sort((a, b) => a.windowStart - b.windowStart);
  }

  /**
   * Provisional rollups of the open windows that changed since their last
   * one; of slice `slice` of `slices` of the series only, so that a caller
   * can spread them over time rather than emit every series at once.
   */
  provisional(slice = 0, slices = 1): Emission[] {
    const out: Emission[] = [];
    for (const series of this.series.values()) {
      if (series.slot % slices !== slice) continue;
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

  /**
   * What changed since the last call. A window is saved as chunks: the inputs
   * it took since the last call, so what a commit writes grows with the
   * inputs, not with the windows' sizes (rewriting whole windows at every
   * commit wrote each reading about as many times as its window was
   * committed). A series with nothing left to keep is forgotten here.
   */
  takeChanged(): StateChanges {
    const series: StateChanges['series'] = [];
    for (const path of this.changedSeries) {
      const state = this.series.get(path);
      if (state && state.windows.size === 0 && state.carry === undefined) this.series.delete(path);
      series.push([path, this.series.has(path) ? { meta: state!.meta, carry: state!.carry ?? null } : null]);
    }
    const windows: WindowChange[] = [];
    for (const [path, starts] of this.changedWindows) {
      const openWindows = this.series.get(path)?.windows;
      for (const start of starts) {
        const open = openWindows?.get(start);
        if (open) {
          const data = this.logic.takeUnsaved(open.window);
          if (data !== undefined) windows.push({ path, start, chunk: open.chunks++, data });
        } else {
          const closedChunks = this.closedChunks.get(`${path}\u0000${start}`);
          if (closedChunks !== undefined) windows.push({ path, start, closedChunks });
        }
      }
    }
    this.changedSeries.clear();
    this.changedWindows.clear();
    this.closedChunks.clear();
    return { partition: { watermark: this.watermark, maxProgress: this.maxProgress }, series, windows };
  }

  restorePartition(snapshot: PartitionSnapshot): void {
    // JSON has no -Infinity: a partition that saw nothing yet comes back as null
    this.watermark = snapshot.watermark ?? -Infinity;
    this.maxProgress = snapshot.maxProgress ?? -Infinity;
  }

  /** `rewrite`: the series came back from the changelog's first form; save it anew at the next `takeChanged()`. */
  restoreSeries(snapshot: SeriesSnapshot, windows: Iterable<[number, SavedWindow]>, rewrite = false): void {
    const restored = new Map<number, OpenWindow<W>>();
    for (const [start, saved] of windows) {
      const window = saved.legacy === undefined ? this.logic.create() : this.logic.deserialize(saved.legacy);
      for (const chunk of saved.chunks) this.logic.addChunk(window, chunk);
      if (rewrite) this.logic.unsaveAll(window);
      restored.set(start, { window, changed: true, chunks: saved.chunks.length });
      if (rewrite) this.windowChanged(snapshot.meta.path, start);
    }
    this.series.set(snapshot.meta.path, { meta: snapshot.meta, slot: this.nextSlot++, carry: snapshot.carry ?? undefined, windows: restored });
    if (rewrite) this.changedSeries.add(snapshot.meta.path);
  }

  private windowChanged(path: string, start: number): void {
    const starts = this.changedWindows.get(path);
    if (starts) starts.add(start);
    else this.changedWindows.set(path, new Set([start]));
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
