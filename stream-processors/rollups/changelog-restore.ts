/**
 * Rebuilds the window state of input partitions from the stage's changelog,
 * read back up to a marker per partition (lib/changelog-restore.ts).
 */
import { ChangelogProgress, readChangelog, type ChangelogSource } from '../../lib/changelog-restore';
import type { PartitionWindows } from './partition-windows';
import { ChangelogReader } from './state-changelog';

export type RestoreSource = Omit<ChangelogSource, 'timeoutOption'>;

/** Reads `partitions` of the changelog back into new states (`create` makes an empty one). */
export async function restoreState<I, W>(source: RestoreSource, partitions: readonly number[], create: () => PartitionWindows<I, W>): Promise<Map<number, PartitionWindows<I, W>>> {
  const readers = new Map(partitions.map((p) => [p, new ChangelogReader()]));
  await readChangelog({ ...source, timeoutOption: 'ROLLUPS_RESTORE_TIMEOUT' }, partitions, (partition, key, value) => readers.get(partition)!.read(key, value));
  return restoredStates(readers, create);
}

function restoredStates<I, W>(readers: Map<number, ChangelogReader>, create: () => PartitionWindows<I, W>): Map<number, PartitionWindows<I, W>> {
  const restored = new Map<number, PartitionWindows<I, W>>();
  for (const [partition, reader] of readers) {
    const state = create();
    reader.restoreInto(state);
    restored.set(partition, state);
  }
  return restored;
}

/** Which partitions' markers are still to come, and what was read of each before its marker. Pure. */
export class RestoreProgress {
  private readonly readers: Map<number, ChangelogReader>;
  private readonly progress: ChangelogProgress;

  constructor(partitions: readonly number[], marker: string) {
    this.readers = new Map(partitions.map((p) => [p, new ChangelogReader()]));
    this.progress = new ChangelogProgress(partitions, marker, (partition, key, value) => this.readers.get(partition)!.read(key, value));
  }

  /** Takes one changelog record in offset order; true once every partition's marker was read. */
  read(partition: number, key: string, value: Buffer | null): boolean {
    return this.progress.read(partition, key, value);
  }

  restore<I, W>(create: () => PartitionWindows<I, W>): Map<number, PartitionWindows<I, W>> {
    return restoredStates(this.readers, create);
  }
}
