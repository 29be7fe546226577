/**
 * Reads partitions of a stream processor's state changelog back. A marker
 * written (and committed) to each partition first tells where the changelog
 * ended: everything before it is read, with read_committed, so the state is
 * exactly what the last committed transaction left. The whole read has a
 * deadline: a changelog that cannot be read (no leader, a consumer that never
 * gets its partitions) fails with an error that says so, rather than leaving
 * the processor hanging, unready, for ever.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { FleetstreamError } from './errors';
import { formatDuration } from './duration';

/** Keys of restore markers: no state key starts with U+0000. */
export const RESTORE_MARKER = '\u0000restore:';

export interface ChangelogSource {
  kafka: Kafka;
  admin: Pick<Admin, 'deleteGroups'>;
  changelogTopic: string;
  /** the processor's consumer group; each restore reads with a group of its own, deleted after */
  groupId: string;
  /** the processor's name, for the error */
  name: string;
  timeoutMs: number;
  /** the option that sets `timeoutMs`, for the error (ROLLUPS_RESTORE_TIMEOUT) */
  timeoutOption: string;
  /** Writes and commits one record with key `marker` (value null) to each of `partitions` of the changelog. */
  writeMarkers(marker: string, partitions: readonly number[]): Promise<void>;
}

export type ChangelogRecordReader = (partition: number, key: string, value: Buffer | null) => void;

/** Reads `partitions` of the changelog, handing each record before its partition's marker to `read`, in offset order. */
export async function readChangelog(source: ChangelogSource, partitions: readonly number[], read: ChangelogRecordReader): Promise<void> {
  const progress = new ChangelogProgress(partitions, `${RESTORE_MARKER}${randomUUID()}`, read);
  const groupId = `${source.groupId}-restore-${randomUUID()}`;
  const reader = source.kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
  const timeout = () =>
    new FleetstreamError(
      'STATE_RESTORE_TIMEOUT',
      `${source.name}: reading partitions ${partitions.join(',')} of ${source.changelogTopic} back took longer than ${formatDuration(source.timeoutMs)}; check that the topic's partitions have leaders, or raise ${source.timeoutOption}`,
    );
  try {
    await withDeadline(readUntilMarkers(source, reader, progress), source.timeoutMs, timeout);
  } finally {
    await reader.disconnect();
    await source.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

async function readUntilMarkers(source: ChangelogSource, reader: Consumer, progress: ChangelogProgress): Promise<void> {
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

/** Which partitions' markers are still to come; hands on what is read of each before its marker. Pure. */
export class ChangelogProgress {
  private readonly pending: Set<number>;

  constructor(
    readonly partitions: readonly number[],
    readonly marker: string,
    private readonly take: ChangelogRecordReader,
  ) {
    this.pending = new Set(partitions);
  }

  /** Takes one changelog record in offset order; true once every partition's marker was read. */
  read(partition: number, key: string, value: Buffer | null): boolean {
    if (this.pending.has(partition)) {
      if (key === this.marker) this.pending.delete(partition);
      else this.take(partition, key, value);
    }
    return this.pending.size === 0;
  }
}

/** `work`, or the error `timeout` makes if it has not settled after `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
