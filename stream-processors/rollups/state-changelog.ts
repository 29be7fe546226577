/**
 * The records of a stage's state changelog, and the state read back from them.
 * The changelog is a compacted topic with one partition per input partition,
 * keyed so that compaction keeps exactly the current state:
 *
 * - `<path>`: a series (what identifies it, its energy carry, its event time
 *   and the end of the windows it closed); tombstoned when it leaves memory;
 * - `<path>\0<windowStart>\0<n>`: chunk n of an open window, the inputs it
 *   took between two commits; all its chunks are tombstoned when it closes;
 * - `\0restore:<id>`: a marker a restore writes to know where the log ended.
 *
 * Chunks make what a commit writes grow with the inputs since the last one,
 * not with the size of the windows they went into. Earlier forms are still
 * read: series records of the first form held every open window whole
 * (`windows`), and are written anew in this form; both earlier forms kept
 * one event time per partition, in `\0partition` (its watermark and
 * progress), and tombstoned a series with nothing left to keep. Pure: no I/O.
 */
import type { PartitionSnapshot, PartitionWindows, SavedWindow, SeriesSnapshot, StateChanges } from './partition-windows';

export const PARTITION_KEY = '\u0000partition';
export const RESTORE_MARKER = '\u0000restore:';
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
  for (const change of changes.windows) {
    const window = `${change.path}${SEPARATOR}${change.start}${SEPARATOR}`;
    if ('data' in change) records.push({ key: `${window}${change.chunk}`, value: JSON.stringify(change.data) });
    else for (let chunk = 0; chunk < change.closedChunks; chunk++) records.push({ key: `${window}${chunk}`, value: null });
  }
  return records;
}

/** A series record as written by either form of the changelog. */
type StoredSeries = SeriesSnapshot & { windows?: [number, unknown][] };

/** Takes one partition's records in offset order (the latest of a key wins) and rebuilds the state they describe. */
export class ChangelogReader {
  private partition: PartitionSnapshot | undefined;
  private readonly series = new Map<string, StoredSeries | null>();
  /** path -> window start -> chunk number -> chunk */
  private readonly windows = new Map<string, Map<number, Map<number, unknown>>>();

  read(key: string, value: Buffer | null): void {
    if (key.startsWith(RESTORE_MARKER)) return;
    if (key === PARTITION_KEY) {
      if (value) this.partition = JSON.parse(value.toString()) as PartitionSnapshot;
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
    for (const [path, stored] of this.series) {
      if (!stored) continue;
      const windows = new Map<number, SavedWindow>((stored.windows ?? []).map(([start, legacy]) => [start, { chunks: [], legacy }]));
      for (const [start, chunks] of this.windows.get(path) ?? []) {
        const saved = [...chunks].filter(([, chunk]) => chunk !== null).sort(([a], [b]) => a - b);
        // a closed window's chunks are all tombstoned in one commit: none left, no window
        if (saved.length > 0) windows.set(start, { ...windows.get(start), chunks: saved.map(([, chunk]) => chunk) });
      }
      state.restoreSeries({ meta: stored.meta, carry: stored.carry, progress: stored.progress, closedThrough: stored.closedThrough, carryUnknown: stored.carryUnknown }, windows, stored.windows !== undefined);
    }
  }
}
