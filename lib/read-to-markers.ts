/**
 * Reads partitions of a topic a processor writes in Kafka transactions (its
 * state), from the beginning to where they end now, as read_committed
 * readers see them. "Now" is a marker: a record the caller writes and
 * commits to each partition first, with the producer it writes its state
 * with. Reading up to one's own marker also waits out a transaction of the
 * partition's previous owner that is still open (read_committed stops at
 * it), which reading to end offsets fetched up front would not: they would
 * end the read before that transaction's state. Every read has a deadline.
 *
 * A marker is `<markerPrefix><partition>` with this read's id as its value:
 * in a compacted topic each partition keeps its newest marker only, and as
 * a value, never a tombstone that compaction would remove from the end of
 * a quiet partition (a reader waiting for the end offset would then wait
 * for a record that is gone).
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { withDeadline } from './deadline';
import { formatDuration } from './duration';
import { FleetstreamError } from './errors';
import { commitTopicsTransaction, type TopicOutputs } from './kafka-transaction';
import type { Logger } from './logger';

export interface MarkedTopic {
  kafka: Kafka;
  admin: Pick<Admin, 'deleteGroups'>;
  topic: string;
  /** each read has a consumer group of its own, `<groupId>-restore-<uuid>`, deleted after */
  groupId: string;
  /** the key prefix of markers (no real key starts with it); the markers of other reads are skipped too */
  markerPrefix: string;
  timeoutMs: number;
  /** the error of a read past its deadline */
  timeout(): Error;
  /** Writes and commits to each of `partitions` its marker record: `markerKey(markerPrefix, partition)`, value `id`. */
  writeMarkers(id: string, partitions: readonly number[]): Promise<void>;
}

export type RecordSink = (partition: number, key: string, value: Buffer | null) => Promise<void> | void;

/** Passes every record of `partitions` before this read's marker to `onRecord`, in offset order per partition. */
export async function readToMarkers(source: MarkedTopic, partitions: readonly number[], onRecord: RecordSink): Promise<void> {
  if (partitions.length === 0) return;
  const progress = new MarkerProgress(partitions, randomUUID(), source.markerPrefix);
  const groupId = `${source.groupId}-restore-${randomUUID()}`;
  const reader = source.kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
  const read = async () => {
    await source.writeMarkers(progress.id, partitions);
    await reader.connect();
    await reader.subscribe({ topic: source.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      reader
        .run({
          eachMessage: async ({ partition, message }) => {
            const key = message.key?.toString() ?? '';
            const taken = progress.take(partition, key, message.value);
            if (taken === 'record') await onRecord(partition, key, message.value);
            if (progress.done) resolve();
          },
        })
        .catch(reject);
    });
  };
  try {
    await withDeadline(read(), source.timeoutMs, source.timeout);
  } finally {
    await reader.disconnect();
    await source.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/** The key of partition `partition`'s marker. */
export function markerKey(markerPrefix: string, partition: number): string {
  return `${markerPrefix}${partition}`;
}

/** Which partitions' markers are still to come. Pure. */
export class MarkerProgress {
  private readonly pending: Set<number>;

  constructor(
    partitions: readonly number[],
    /** this read's id, the value of its markers */
    readonly id: string,
    private readonly markerPrefix: string,
  ) {
    this.pending = new Set(partitions);
  }

  get done(): boolean {
    return this.pending.size === 0;
  }

  /** What a record read from `partition` is: state to take, this read's marker, or something to skip (another read's marker, a partition done or not asked for). */
  take(partition: number, key: string, value: Buffer | null): 'record' | 'marker' | 'skip' {
    if (!this.pending.has(partition)) return 'skip';
    if (!key.startsWith(this.markerPrefix)) return 'record';
    if (key === markerKey(this.markerPrefix, partition) && value?.toString() === this.id) {
      this.pending.delete(partition);
      return 'marker';
    }
    return 'skip';
  }
}

/** A processor's state changelog, as its transactional producer writes it: what `readStateBack` needs. */
export interface StateChangelog {
  kafka: Kafka;
  admin: Pick<Admin, 'deleteGroups'>;
  producer: Pick<Producer, 'transaction'>;
  topic: string;
  groupId: string;
  markerPrefix: string;
  timeoutMs: number;
  log: Logger;
  /** `shadow`, `alerts`: names the processor in the timeout's message */
  component: string;
  /** the variable that sets `timeoutMs`, which the timeout's message names */
  timeoutVariable: string;
  /** Adds the markers of a read to a transaction's outputs, each to its partition of the changelog. */
  markers(outputs: TopicOutputs, id: string, partitions: readonly number[]): void;
  /** Called with the STATE_RESTORE_TIMEOUT error before it is thrown: the processor fails for good. */
  onTimeout(error: Error): void;
}

/** `readToMarkers` of a state changelog: the markers committed in a transaction of the processor's producer, a STATE_RESTORE_TIMEOUT past the deadline. */
export async function readStateBack(changelog: StateChangelog, partitions: readonly number[], onRecord: RecordSink): Promise<void> {
  const timeout = () =>
    new FleetstreamError(
      'STATE_RESTORE_TIMEOUT',
      `${changelog.component}: reading partitions ${partitions.join(',')} of ${changelog.topic} back took longer than ${formatDuration(changelog.timeoutMs)}; check that the topic's partitions have leaders, or raise ${changelog.timeoutVariable}`,
    );
  const writeMarkers = async (id: string, markerPartitions: readonly number[]) => {
    const outputs: TopicOutputs = new Map();
    changelog.markers(outputs, id, markerPartitions);
    await commitTopicsTransaction({ producer: changelog.producer, groupId: changelog.groupId, log: changelog.log }, outputs, []);
  };
  try {
    await readToMarkers({ ...changelog, timeout, writeMarkers }, partitions, onRecord);
  } catch (error) {
    if ((error as { code?: string }).code === 'STATE_RESTORE_TIMEOUT') changelog.onTimeout(error as Error);
    throw error;
  }
}
