/**
 * The records of a stage's state changelog, and the state read back from them.
 * The changelog is a compacted topic with one partition per input partition,
 * keyed so that compaction keeps exactly the current state:
 *
 * - `\0partition`: the partition's watermark and progress;
 * - `<path>`: a series (what identifies it, its energy carry), tombstoned when
 *   it has nothing left to keep;
 * - `<path>\0<windowStart>`: one open window, tombstoned when it closes;
 * - `\0restore:<id>`: a marker a restore writes to know where the log ended.
 *
 * A window has a record of its own so that a commit rewrites only the windows
 * that changed: a series' current window, not the closed-but-not-yet-final
 * one beside it. Series records of the first form of this changelog held
 * every open window (`windows`); they are still read, and written anew in
 * this form. Pure: no I/O.
 */
import type { PartitionSnapshot, PartitionWindows, SeriesSnapshot, StateChanges } from './partition-windows';

export const PARTITION_KEY = '\u0000partition';
export const RESTORE_MARKER = '\u0000restore:';
const WINDOW_SEPARATOR = '\u0000';

export interface ChangelogRecord {
  key: string;
  value: string | null;
}

export function changelogRecords(changes: StateChanges): ChangelogRecord[] {
  if (changes.series.length === 0 && changes.windows.length === 0) return [];
  const records: ChangelogRecord[] = [{ key: PARTITION_KEY, value: JSON.stringify(changes.partition) }];
  for (const [path, snapshot] of changes.series) records.push({ key: path, value: snapshot && JSON.stringify(snapshot) });
  for (const [path, start, data] of changes.windows) records.push({ key: `${path}${WINDOW_SEPARATOR}${start}`, value: data === null ? null : JSON.stringify(data) });
  return records;
}

/** A series record as written by either form of the changelog. */
type StoredSeries = SeriesSnapshot & { windows?: [number, unknown][] };

/** Takes one partition's records in offset order (the latest of a key wins) and rebuilds the state they describe. */
export class ChangelogReader {
  private partition: PartitionSnapshot | undefined;
  private readonly series = new Map<string, StoredSeries | null>();
  private readonly windows = new Map<string, Map<number, unknown>>();

  read(key: string, value: Buffer | null): void {
    if (key.startsWith(RESTORE_MARKER)) return;
    if (key === PARTITION_KEY) {
      if (value) this.partition = JSON.parse(value.toString()) as PartitionSnapshot;
      return;
    }
    const separator = key.lastIndexOf(WINDOW_SEPARATOR);
    if (separator > 0) {
      const path = key.slice(0, separator);
      const start = Number(key.slice(separator + 1));
      let windows = this.windows.get(path);
      if (!windows) this.windows.set(path, (windows = new Map()));
      windows.set(start, value && JSON.parse(value.toString()));
      return;
    }
    this.series.set(key, value && (JSON.parse(value.toString()) as StoredSeries));
  }

  /** Compaction may have put a window's record before its series' latest: windows are matched to series only here. */
  restoreInto<I, W>(state: PartitionWindows<I, W>): void {
    if (this.partition) state.restorePartition(this.partition);
    for (const [path, stored] of this.series) {
      if (!stored) continue;
      const windows = new Map(stored.windows ?? []);
      for (const [start, data] of this.windows.get(path) ?? []) {
        if (data === null) windows.delete(start);
        else windows.set(start, data);
      }
      state.restoreSeries({ meta: stored.meta, carry: stored.carry }, windows, stored.windows !== undefined);
    }
  }
}
