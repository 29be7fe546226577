/**
 * The records of a stage's state changelog, and the state read back from them.
 * The changelog is a compacted topic with one partition per input partition,
 * keyed so that compaction keeps exactly the current state:
 *
 * - `<path>`: a series (what identifies it, its energy carry, its event time
 *   and the end of the windows it closed); tombstoned when it leaves memory;
 * - `\0block:<id>`: what open windows took between two commits, an entry
 *   `[path, windowStart, chunk]` per window; tombstoned once none of those
 *   windows is open (partition-windows.ts, `takeChanged`). A restore reads a
 *   window back from its entries in block order, and drops the entries of
 *   windows their series had closed by then;
 * - `\0restore:<id>`: a marker a restore writes to know where the log ended.
 *
 * Earlier forms are still read: a record per window and commit,
 * `<path>\0<windowStart>\0<n>` (chunk n of the window), each tombstoned
 * when its window closed; series records that held every open window whole
 * (`windows`), written anew in this form; and one event time per partition,
 * in `\0partition` (its watermark and progress). Pure: no I/O.
 */
import type { PartitionSnapshot, PartitionWindows, SavedWindow, SeriesSnapshot, StateChanges } from './partition-windows';

export const PARTITION_KEY = '\u0000partition';
export const RESTORE_MARKER = '\u0000restore:';
export const BLOCK_KEY = '\u0000block:';
/** MQTT topic names, and so paths, cannot hold U+0000. */
const SEPARATOR = '\u0000';

export interface ChangelogRecord {
  key: string;
  value: string | null;
}

export function changelogRecords(changes: StateChanges): ChangelogRecord[] {
  const records: ChangelogRecord[] = [];
  for (const [path, snapshot] of changes.series) records.push({ key: path, value: JSON.stringify(snapshot) });
  // a series that left memory leaves the changelog: compaction drops it, a restore does not bring it back
  for (const path of changes.evicted) records.push({ key: path, value: null });
  for (const { id, entries } of changes.blocks) {
    records.push({ key: `${BLOCK_KEY}${id}`, value: `[${entries.map((e) => `[${JSON.stringify(e.path)},${e.start},${e.json}]`).join(',')}]` });
  }
  for (const id of changes.released) records.push({ key: `${BLOCK_KEY}${id}`, value: null });
  for (const { path, start, chunks } of changes.closedLegacy) {
    for (let chunk = 0; chunk < chunks; chunk++) records.push({ key: `${path}${SEPARATOR}${start}${SEPARATOR}${chunk}`, value: null });
  }
  return records;
}

/** A series record as written by either form of the changelog. */
type StoredSeries = SeriesSnapshot & { windows?: [number, unknown][] };

/** Takes one partition's records in offset order (the latest of a key wins) and rebuilds the state they describe. */
export class ChangelogReader {
  private partition: PartitionSnapshot | undefined;
  private readonly series = new Map<string, StoredSeries | null>();
  /** path -> window start -> chunk number -> chunk (the per-window form) */
  private readonly windows = new Map<string, Map<number, Map<number, unknown>>>();
  /** block id -> entries, or null once deleted */
  private readonly blocks = new Map<number, [path: string, start: number, chunk: unknown][] | null>();
  private nextBlock = 0;

  read(key: string, value: Buffer | null): void {
    if (key.startsWith(RESTORE_MARKER)) return;
    if (key === PARTITION_KEY) {
      if (value) this.partition = JSON.parse(value.toString()) as PartitionSnapshot;
      return;
    }
    if (key.startsWith(BLOCK_KEY)) {
      const id = Number(key.slice(BLOCK_KEY.length));
      this.blocks.set(id, value && (JSON.parse(value.toString()) as [string, number, unknown][]));
      // a deleted block's id is not given again while its tombstone may still be read
      this.nextBlock = Math.max(this.nextBlock, id + 1);
      return;
    }
    const [path = '', start, chunk] = key.split(SEPARATOR);
    if (start === undefined || chunk === undefined) {
      this.series.set(path, value && (JSON.parse(value.toString()) as StoredSeries));
      return;
    }
    let windows = this.windows.get(path);
    if (!windows) this.windows.set(path, (windows = new Map()));
    let chunks = windows.get(Number(start));
    if (!chunks) windows.set(Number(start), (chunks = new Map()));
    chunks.set(Number(chunk), value && (JSON.parse(value.toString()) as unknown));
  }

  /** Compaction may have put a window's record before its series' latest: windows are matched to series only here. */
  restoreInto<I, W>(state: PartitionWindows<I, W>): void {
    if (this.partition) state.restorePartition(this.partition);
    const entries = this.blockEntries();
    for (const [path, stored] of this.series) {
      if (!stored) continue;
      const windows = new Map<number, SavedWindow>((stored.windows ?? []).map(([start, legacy]) => [start, { chunks: [], blocks: [], legacy }]));
      const window = (start: number) => {
        let saved = windows.get(start);
        if (!saved) windows.set(start, (saved = { chunks: [], blocks: [] }));
        return saved;
      };
      for (const [start, chunks] of this.windows.get(path) ?? []) {
        const saved = [...chunks].filter(([, chunk]) => chunk !== null).sort(([a], [b]) => a - b);
        // a closed window's chunks are all tombstoned in one commit: none left, no window
        if (saved.length === 0) continue;
        const restored = window(start);
        restored.chunks.push(...saved.map(([, chunk]) => chunk));
        restored.legacyChunks = saved.length;
      }
      // entries of blocks written before the series' life began are of an earlier life
      for (const { id, start, chunk } of entries.get(path) ?? []) {
        if (id < (stored.since ?? 0)) continue;
        const restored = window(start);
        restored.chunks.push(chunk);
        restored.blocks.push(id);
      }
      const { meta, carry, progress, closedThrough, emittedThrough, since, carryUnknown } = stored;
      state.restoreSeries({ meta, carry, progress, closedThrough, emittedThrough, since, carryUnknown }, windows, stored.windows !== undefined);
    }
    state.restoreBlocks(
      [...this.blocks].filter(([, block]) => block !== null).map(([id]) => id),
      this.nextBlock,
    );
  }

  /** The live blocks' entries by path, in block order. */
  private blockEntries(): Map<string, { id: number; start: number; chunk: unknown }[]> {
    const byPath = new Map<string, { id: number; start: number; chunk: unknown }[]>();
    for (const id of [...this.blocks.keys()].sort((a, b) => a - b)) {
      for (const [path, start, chunk] of this.blocks.get(id) ?? []) {
        const entries = byPath.get(path);
        if (entries) entries.push({ id, start, chunk });
        else byPath.set(path, [{ id, start, chunk }]);
      }
    }
    return byPath;
  }
}
