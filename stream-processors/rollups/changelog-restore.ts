/**
 * Rebuilds the window state of input partitions from the stage's changelog.
 * A marker written (and committed) to each partition first tells where the
 * changelog ended: everything before it is read, with read_committed, so the
 * state is exactly what the last committed transaction left. The whole
 * restore has a deadline: a changelog that cannot be read (no leader, a
 * consumer that never gets its partitions) fails the stage with an error that
 * says so, rather than leaving it hanging, unready, for ever.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { FleetstreamError } from '../../lib/errors';
import { withDeadline } from '../../lib/deadline';
import { formatDuration } from '../../lib/duration';
import type { PartitionWindows } from './partition-windows';
import { ChangelogReader, RESTORE_MARKER } from './state-changelog';

export interface RestoreSource {
  kafka: Kafka;
  admin: Pick<Admin, 'deleteGroups'>;
  changelogTopic: string;
  /** the stage's consumer group; each restore reads with a group of its own, deleted after */
  groupId: string;
  /** the stage's name, for the error */
  stage: string;
  timeoutMs: number;
  /** Writes and commits one record with key `marker` (value null) to each of `partitions` of the changelog. */
  writeMarkers(marker: string, partitions: readonly number[]): Promise<void>;
}

/** Reads `partitions` of the changelog back into new states (`create` makes an empty one). */
export async function restoreState<I, W>(source: RestoreSource, partitions: readonly number[], create: () => PartitionWindows<I, W>): Promise<Map<number, PartitionWindows<I, W>>> {
  const progress = new RestoreProgress(partitions, `${RESTORE_MARKER}${randomUUID()}`);
  const groupId = `${source.groupId}-restore-${randomUUID()}`;
  const reader = source.kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
  const timeout = () =>
    new FleetstreamError(
      'STATE_RESTORE_TIMEOUT',
      `${source.stage}: reading partitions ${partitions.join(',')} of ${source.changelogTopic} back took longer than ${formatDuration(source.timeoutMs)}; check that the topic's partitions have leaders, or raise ROLLUPS_RESTORE_TIMEOUT`,
    );
  try {
    await withDeadline(read(source, reader, progress), source.timeoutMs, timeout);
  } finally {
    await reader.disconnect();
    await source.admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return progress.restore(create);
}

async function read(source: RestoreSource, reader: Consumer, progress: RestoreProgress): Promise<void> {
  await source.writeMarkers(progress.marker, progress.partitions);
  await reader.connect();
  await reader.subscribe({ topic: source.changelogTopic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    reader
      .run({
        eachMessage: async ({ partition, message }) => {
          if (progress.read(partition, message.key?.toString() ?? '', message.value)) resolve();
        },
      })
      .catch(reject);
  });
}

/** Which partitions' markers are still to come, and what was read of each before its marker. Pure. */
export class RestoreProgress {
  readonly marker: string;
  private readonly pending: Set<number>;
  private readonly readers: Map<number, ChangelogReader>;

  constructor(
    readonly partitions: readonly number[],
    marker: string,
  ) {
    this.marker = marker;
    this.pending = new Set(partitions);
    this.readers = new Map(partitions.map((p) => [p, new ChangelogReader()]));
  }

  /** Takes one changelog record in offset order; true once every partition's marker was read. */
  read(partition: number, key: string, value: Buffer | null): boolean {
    if (this.pending.has(partition)) {
      if (key === this.marker) this.pending.delete(partition);
      else this.readers.get(partition)!.read(key, value);
    }
    return this.pending.size === 0;
  }

  restore<I, W>(create: () => PartitionWindows<I, W>): Map<number, PartitionWindows<I, W>> {
    const restored = new Map<number, PartitionWindows<I, W>>();
    for (const [partition, reader] of this.readers) {
      const state = create();
      reader.restoreInto(state);
      restored.set(partition, state);
    }
    return restored;
  }
}
