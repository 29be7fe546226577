/**
 * The window state of one input partition: every open window of every series
 * in it. Pure: the stage feeds it inputs and clock ticks, and sends what
 * it emits.
 *
 * Event time is kept per series, not per partition: thousands of devices
 * share a partition, and one device's burst, backlog or skewed clock must not
 * close the others' windows. A series' event time is the largest progress of
 * its inputs; a window of the series closes (its final rollup is emitted)
 * once that passed the window's end plus the allowed lateness. A series with
 * no input for `idleMs` lets its open windows close as the clock passes
 * their end plus the lateness, so its last windows close too.
 *
 * An input is late when its window is one its own series has closed and
 * emitted: one that ends at or before the series' `closedThrough` (windows
 * of a series close in end order, so one number suffices) and comes before
 * the series' oldest window still held. Event time raises `closedThrough`
 * as soon as an input moves the series past a window end; `advance` emits
 * the windows so closed. An input for one of them in between still goes
 * into it. So where Kafka cuts the batches can decide whether an input is
 * taken before its window's final or corrected after it; the final result is
 * the same.
 *
 * A late input is not lost: the stage has its window recomputed from the
 * stored raw readings (corrector.ts). An energy series' carry (its newest
 * reading in a closed window) takes a late reading newer than it, so the
 * increment of the series' next open window starts from the right reading.
 * A series whose windows all closed before the correction horizon leaves
 * memory; when it comes back, it does not know its carry, and its first
 * window is recomputed too once closed (`takeRecompute`).
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
  /** a series whose windows all ended this long before the wall clock (and a window size more) leaves memory; default: none does */
  horizonMs?: number;
}

interface OpenWindow<W> {
  window: W;
  /** changed since its last provisional emission */
  changed: boolean;
  /** the changelog blocks holding what it took, oldest first (one entry in each) */
  blocks: number[];
  /** chunk records of the changelog's per-window form it came back from (keys `path NUL start NUL n`), deleted when it closes */
  legacyChunks: number;
}

interface SeriesState<W> {
  meta: SeriesMeta;
  /** spreads the series over the slices of `provisional` */
  slot: number;
  /** energy: last reading of the series' last closed window */
  carry: Reading | undefined;
  /** energy: the series was not known (new, or back after leaving memory): its carry may be in the stored readings */
  carryUnknown: boolean;
  windows: Map<number, OpenWindow<W>>;
  /** the series' event time: the largest progress of its inputs */
  progress: number;
  /** every window of the series ending at or before this is closed (or closes at the next `advance`): an input for one is late */
  closedThrough: number;
  /** the end of its newest emitted (closed) window: a restore drops what the changelog still holds of windows ending at or before it */
  emittedThrough: number;
  /** the first changelog block this life of the series may have entries in: older ones are of a life before it left memory */
  since: number;
  /** when its last input reached Kafka (the input clock's time), or the wall clock at the restore */
  lastInputAt: number;
}

export type AddOutcome = 'accepted' | 'duplicate' | 'late';

/** The partition's watermark, as the changelog's earlier forms saved it; read, no longer written. */
export interface PartitionSnapshot {
  watermark: number | null;
  maxProgress: number | null;
}

/**
 * A series without its windows: what identifies it, the energy carry, and
 * its event time. `progress` is saved whenever `closedThrough` moves, which
 * is all the lateness of its next inputs depends on; undefined in records of
 * earlier forms. Its idleness is not saved: a restore counts as an input.
 */
export interface SeriesSnapshot {
  meta: SeriesMeta;
  carry: Reading | null;
  /** null: -Infinity (JSON has none) */
  progress?: number | null;
  closedThrough?: number | null;
  /** null: -Infinity; absent (earlier forms): none of its windows in the changelog's blocks is closed */
  emittedThrough?: number | null;
  /** absent: 0 */
  since?: number;
  /** absent: false */
  carryUnknown?: boolean;
}

/** What one open window took since it was last saved, as JSON. */
export interface BlockEntry {
  path: string;
  start: number;
  json: string;
}

/** A changelog block: what many windows took between two commits, one entry each. */
export interface StateBlock {
  id: number;
  entries: BlockEntry[];
}

/** A window as saved: its chunks in order (`blocks`: the block of each), and, from the changelog's first form, the whole window. */
export interface SavedWindow {
  chunks: unknown[];
  blocks: number[];
  legacy?: unknown;
  /** chunk records of the per-window form it was read from */
  legacyChunks?: number;
}

/** What changed since the last `takeChanged()`. */
export interface StateChanges {
  /** series created, or with a new carry or event time */
  series: [path: string, snapshot: SeriesSnapshot][];
  /** series that left memory */
  evicted: string[];
  /** what the open windows took */
  blocks: StateBlock[];
  /** blocks no open window has an entry in any more */
  released: number[];
  /** closed windows of the per-window form: their chunk records 0..chunks-1 */
  closedLegacy: { path: string; start: number; chunks: number }[];
}

/**
 * A block's entries stop growing at about this much JSON (one Kafka record;
 * brokers take 1 MiB by default).
 */
const BLOCK_BYTES = 256 * 1024;

/**
 * A window with entries in this many blocks is saved anew, whole, in one:
 * a window that never closes (a device whose clock stands still) would
 * otherwise keep every block it has an entry in, and all the others'
 * entries with them. A 1m window of a reading a second, committed every
 * 200 ms, has about 60; a 1h window takes 60 finer windows.
 */
const MAX_BLOCKS_PER_WINDOW = 64;

/**
 * How often, at most, `advance` looks for idle series: each look is a pass
 * over every series, too much for every batch (the 1m stage takes ~20k
 * readings/s on 2 cores), and a second late is nothing next to an idle timeout.
 */
const IDLE_SCAN_MS = 1000;

export class PartitionWindows<I, W> {
  private readonly series = new Map<string, SeriesState<W>>();
  private nextSlot = 0;
  private open = 0;
  /** Series whose `closedThrough` event time moved since the last `advance`: their windows to close. */
  private readonly crossed = new Set<SeriesState<W>>();
  private idleScannedAt: number;
  /** From a changelog of the per-partition form: its watermark closed windows of every series, kept or forgotten then. */
  private legacyClosedThrough = -Infinity;
  private legacyProgress = -Infinity;
  /** Since `takeChanged()` (for the state changelog): series created, with a new carry or event time; windows changed or closed. */
  private readonly changedSeries = new Set<string>();
  private readonly changedWindows = new Map<string, Set<number>>();
  /** Closed windows of the per-window form since `takeChanged()`. */
  private readonly closedLegacy: StateChanges['closedLegacy'] = [];
  /** block id -> entries of open windows in it; a block leaves the changelog when none is left */
  private readonly blockEntries = new Map<number, number>();
  private readonly released: number[] = [];
  private nextBlock = 0;
  private readonly evicted = new Set<string>();
  private readonly recompute: Emission[] = [];

  constructor(
    private readonly logic: WindowLogic<I, W>,
    private readonly timing: WindowTiming,
    private readonly createdAt: number,
  ) {
    this.idleScannedAt = createdAt;
  }

  get openWindows(): number {
    return this.open;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Windows of the series ending at or before this are closed: an input for one is late. */
  closedThrough(path: string): number {
    return this.series.get(path)?.closedThrough ?? this.legacyClosedThrough;
  }

  /**
   * `time` places the input in a window; `progress` is how far the series'
   * event time has provably come (a reading's time; a finer window's end);
   * `inputAt` is when it reached Kafka, on the clock `advance` measures
   * idleness on (input-clock.ts).
   */
  add(meta: SeriesMeta, time: number, progress: number, input: I, inputAt: number): AddOutcome {
    const { sizeMs, latenessMs } = this.timing;
    const start = windowStartOf(time, sizeMs);
    let series = this.series.get(meta.path);
    if (!series) {
      series = this.newSeries(meta, undefined, -Infinity, this.legacyClosedThrough, -Infinity, this.nextBlock, inputAt);
      series.carryUnknown = meta.kind === 'energy' && this.logic.carries;
      this.changedSeries.add(meta.path);
      this.evicted.delete(meta.path);
    }
    series.lastInputAt = inputAt;
    if (start + sizeMs <= series.closedThrough) {
      if (this.emitted(series, start)) {
        const reading = this.logic.reading(input);
        if (meta.kind === 'energy' && reading && (!series.carry || reading.time > series.carry.time)) {
          series.carry = reading;
          this.changedSeries.add(meta.path);
          // its first increment starts from the carry: its provisional rollup is stale
          const next = this.oldestHeld(series);
          if (next) next.changed = true;
        }
        return 'late';
      }
      // closed by the series' event time but not emitted yet: it closes, with this input, at the next advance
      this.crossed.add(series);
    }
    if (progress > series.progress) {
      series.progress = progress;
      // window ends are multiples of the size: until event time reaches the next one, nothing closes
      if (progress - latenessMs >= series.closedThrough + sizeMs) {
        series.closedThrough = windowStartOf(progress - latenessMs, sizeMs);
        this.crossed.add(series);
        this.changedSeries.add(meta.path);
      }
    }
    let open = series.windows.get(start);
    if (!open) {
      open = { window: this.logic.create(), changed: false, blocks: [], legacyChunks: 0 };
      series.windows.set(start, open);
      this.open++;
    }
    if (!this.logic.add(open.window, input)) return 'duplicate';
    open.changed = true;
    this.windowChanged(meta.path, start);
    return 'accepted';
  }

  /**
   * Returns the final rollups of the windows that closed: those of series
   * whose event time crossed a window end since the last call, and, at most
   * once a second, those of idle series: with no input for the idle
   * timeout by `inputNow`, the partition's input clock (input-clock.ts), so
   * that a stage behind its input does not take busy series for idle ones.
   * The same scan lets series leave memory whose windows all closed before
   * the correction horizon (by the wall clock): any input for one of those
   * windows is too old.
   */
  advance(wallNow: number, inputNow = wallNow): Emission[] {
    const { latenessMs, idleMs, horizonMs = Infinity, sizeMs } = this.timing;
    const finals: Emission[] = [];
    for (const series of this.crossed) this.close(series, series.closedThrough, finals);
    this.crossed.clear();
    if (wallNow - this.idleScannedAt >= IDLE_SCAN_MS) {
      this.idleScannedAt = wallNow;
      for (const [path, series] of this.series) {
        const idleFor = inputNow - series.lastInputAt - idleMs;
        if (series.windows.size > 0 && idleFor > 0) this.close(series, series.progress - latenessMs + idleFor, finals);
        // its windows end before the horizon's, which is a window before the oldest a correction can reach
        if (series.windows.size === 0 && series.closedThrough <= wallNow - horizonMs - sizeMs && idleFor > 0) this.evict(path);
      }
    }
    // in window order: the next stage takes a series' window ends as its event time, so each series' go out
    // oldest first; across series too, so a catch-up batch goes downstream in time order whichever series closed first
    return finals.sort((a, b) => a.windowStart - b.windowStart);
  }

  /** Closed windows whose final lacked the series' carry (the first of an energy series the state did not know), since the last call. */
  takeRecompute(): Emission[] {
    return this.recompute.splice(0);
  }

  /**
   * Provisional rollups of the open windows that changed since their last
   * one; of slice `slice` of `slices` of the series only, so that a caller
   * can spread them over time rather than emit every series at once.
   */
  provisional(slice = 0, slices = 1): Emission[] {
    const out: Emission[] = [];
    for (const series of this.series.values()) {
      if (series.slot % slices !== slice || series.windows.size === 0) continue;
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
   * What changed since the last call. What the open windows took since the
   * last call goes out in blocks, each one changelog record holding an entry
   * of many windows: what a commit writes grows with the inputs, not with the
   * windows' sizes, and takes a record per block, not per window. (A record
   * per window and commit, each deleted by a record of its own when its
   * window closed, was about two records per reading on a live 1m stage: at
   * 5,000 readings/s from 3,000 series, committed every 200 ms, a reading
   * was mostly the only one of its window in its commit, so about 300,000
   * chunks were tombstoned as each minute closed; estimated, not counted.)
   * A block leaves the changelog once no open
   * window has an entry in it. A series stays, windows or not: its
   * `closedThrough` is what keeps a late input out of a window it already
   * emitted, its `emittedThrough` what keeps a restore from reopening one.
   */
  takeChanged(): StateChanges {
    const series: StateChanges['series'] = [];
    for (const path of this.changedSeries) {
      const state = this.series.get(path)!;
      series.push([
        path,
        {
          meta: state.meta,
          carry: state.carry ?? null,
          progress: state.progress,
          closedThrough: state.closedThrough,
          emittedThrough: state.emittedThrough,
          since: state.since,
          ...(state.carryUnknown ? { carryUnknown: true } : {}),
        },
      ]);
    }
    const blocks: StateBlock[] = [];
    let block: StateBlock | undefined;
    let bytes = 0;
    for (const [path, starts] of this.changedWindows) {
      const openWindows = this.series.get(path)?.windows;
      for (const start of starts) {
        const open = openWindows?.get(start);
        if (!open) continue;
        if (open.blocks.length >= MAX_BLOCKS_PER_WINDOW) {
          this.logic.unsaveAll(open.window);
          for (const id of open.blocks.splice(0)) this.release(id);
        }
        const data = this.logic.takeUnsaved(open.window);
        if (data === undefined) continue;
        const json = JSON.stringify(data);
        if (!block || bytes >= BLOCK_BYTES) {
          block = { id: this.nextBlock++, entries: [] };
          blocks.push(block);
          bytes = 0;
        }
        block.entries.push({ path, start, json });
        // the entry's brackets, quotes, commas and window start besides
        bytes += json.length + path.length + 24;
        open.blocks.push(block.id);
      }
    }
    for (const { id, entries } of blocks) this.blockEntries.set(id, entries.length);
    const changes: StateChanges = { series, evicted: [...this.evicted], blocks, released: this.released.splice(0), closedLegacy: this.closedLegacy.splice(0) };
    this.changedSeries.clear();
    this.changedWindows.clear();
    this.evicted.clear();
    return changes;
  }

  /** The partition watermark of a changelog of the per-partition form: what it closed stays closed for every series. */
  restorePartition(snapshot: PartitionSnapshot): void {
    // JSON has no -Infinity: a partition that saw nothing yet comes back as null
    const maxProgress = snapshot.maxProgress ?? -Infinity;
    const watermark = Math.max(snapshot.watermark ?? -Infinity, maxProgress - this.timing.latenessMs);
    if (Number.isFinite(watermark)) this.legacyClosedThrough = windowStartOf(watermark, this.timing.sizeMs);
    this.legacyProgress = maxProgress;
  }

  /** `rewrite`: the series came back from the changelog's first form; save it anew at the next `takeChanged()`. */
  restoreSeries(snapshot: SeriesSnapshot, windows: Iterable<[number, SavedWindow]>, rewrite = false): void {
    const { path } = snapshot.meta;
    const restored = new Map<number, OpenWindow<W>>();
    const emittedThrough = snapshot.emittedThrough === undefined ? -Infinity : (snapshot.emittedThrough ?? -Infinity);
    for (const [start, saved] of windows) {
      // a block outlives a closed window's entry while another window's entry keeps it
      if (start + this.timing.sizeMs <= emittedThrough) continue;
      const window = saved.legacy === undefined ? this.logic.create() : this.logic.deserialize(saved.legacy);
      for (const chunk of saved.chunks) this.logic.addChunk(window, chunk);
      if (rewrite) this.logic.unsaveAll(window);
      for (const id of saved.blocks) this.blockEntries.set(id, (this.blockEntries.get(id) ?? 0) + 1);
      restored.set(start, { window, changed: true, blocks: [...saved.blocks], legacyChunks: saved.legacyChunks ?? 0 });
      if (rewrite) this.windowChanged(path, start);
    }
    // a record of an earlier form has no event time of its own: the partition's bounded it
    const earlier = snapshot.closedThrough === undefined;
    const progress = earlier ? this.legacyProgress : (snapshot.progress ?? -Infinity);
    const closedThrough = Math.max(snapshot.closedThrough ?? -Infinity, this.legacyClosedThrough);
    const series = this.newSeries(snapshot.meta, snapshot.carry ?? undefined, progress, closedThrough, emittedThrough, snapshot.since ?? 0, this.createdAt, restored);
    series.carryUnknown = snapshot.carryUnknown === true;
    this.open += restored.size;
    // a window its series' event time closed before the state was saved closes at the next advance
    this.crossed.add(series);
    if (rewrite || earlier) this.changedSeries.add(path);
  }

  /**
   * After every series was restored: `blocks` are those the changelog still
   * held, and `nextBlock` the id after every one it had seen. A block no
   * restored window has an entry in leaves it at the next `takeChanged()`.
   */
  restoreBlocks(blocks: Iterable<number>, nextBlock: number): void {
    for (const id of blocks) if (!this.blockEntries.has(id)) this.released.push(id);
    this.nextBlock = Math.max(this.nextBlock, nextBlock);
  }

  private newSeries(
    meta: SeriesMeta,
    carry: Reading | undefined,
    progress: number,
    closedThrough: number,
    emittedThrough: number,
    since: number,
    lastInputAt: number,
    windows = new Map<number, OpenWindow<W>>(),
  ): SeriesState<W> {
    const series: SeriesState<W> = { meta, slot: this.nextSlot++, carry, carryUnknown: false, windows, progress, closedThrough, emittedThrough, since, lastInputAt };
    this.series.set(meta.path, series);
    return series;
  }

  /**
   * Whether the series' window at `start`, one its event time closed, may
   * already have been emitted: windows go out in order at `advance`, so one
   * is held (not emitted) from the series' oldest held window on. A window
   * before that is emitted, or had nothing; a late input there is for the
   * corrector, and, newer than the carry, the previous reading of every held
   * window.
   */
  private emitted(series: SeriesState<W>, start: number): boolean {
    for (const held of series.windows.keys()) if (held <= start) return false;
    return true;
  }

  private oldestHeld(series: SeriesState<W>): OpenWindow<W> | undefined {
    let oldest: number | undefined;
    for (const start of series.windows.keys()) if (oldest === undefined || start < oldest) oldest = start;
    return oldest === undefined ? undefined : series.windows.get(oldest);
  }

  /** Closes the series' open windows ending at or before `through`, in end order, and moves `closedThrough` past them. */
  private close(series: SeriesState<W>, through: number, finals: Emission[]): void {
    const { sizeMs } = this.timing;
    const closing = [...series.windows.keys()].filter((start) => start + sizeMs <= through).sort((a, b) => a - b);
    if (closing.length === 0) return;
    for (const start of closing) {
      const open = series.windows.get(start)!;
      const final = this.emission(series, start, open.window, series.carry, true);
      finals.push(final);
      if (series.carryUnknown) {
        this.recompute.push(final);
        series.carryUnknown = false;
      }
      // only energy increments look back at the previous reading
      if (series.meta.kind === 'energy') series.carry = this.logic.lastReading(open.window) ?? series.carry;
      series.windows.delete(start);
      this.open--;
      for (const id of open.blocks) this.release(id);
      if (open.legacyChunks > 0) this.closedLegacy.push({ path: series.meta.path, start, chunks: open.legacyChunks });
    }
    // the wall clock closes only the windows that were open: one the series' next input opens after them is on time
    series.emittedThrough = Math.max(series.emittedThrough, closing[closing.length - 1]! + sizeMs);
    series.closedThrough = Math.max(series.closedThrough, series.emittedThrough);
    this.changedSeries.add(series.meta.path);
  }

  /** The series leaves memory, and its record the changelog; its open windows are none. */
  private evict(path: string): void {
    this.series.delete(path);
    // the tombstones of windows it just closed still go out
    this.changedSeries.delete(path);
    this.evicted.add(path);
  }

  /** One entry of block `id` is of a window closed or saved anew. */
  private release(id: number): void {
    const left = (this.blockEntries.get(id) ?? 1) - 1;
    if (left > 0) {
      this.blockEntries.set(id, left);
    } else {
      this.blockEntries.delete(id);
      this.released.push(id);
    }
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
