/**
 * The consumer of a processor that keeps state per partition beside
 * co-partitioned inputs, committed with its outputs in one transaction per
 * batch (the shadow and alerts processors). Partition p of every input is
 * assigned to one member (CopartitionedAssigner); each join hands the input
 * partitions to `reassign`, and each batch to `process`, both as steps of
 * `steps`, one at a time, since they share the state and the transactional
 * producer. A batch waiting its turn still heartbeats; a batch that asks to
 * be retried waits `retryDelayMs` outside the steps, so the other partitions'
 * batches go on meanwhile.
 *
 * A batch that changed nothing (no output, no state to write: no rule or
 * automation reads its records, or none of them matched) is `quiet`: it needs
 * no transaction of its own. Its offset is committed with the consumer's
 * plain offset commit, every `quietCommitMs` at most, for all such batches at
 * once; a later transaction of the same partition supersedes it. An idle
 * alerts or automations processor ran 41 empty transactions a second at
 * 5,000 readings/s, each a transaction's full round of requests to the
 * broker. A plain commit carries the group's generation, so the broker refuses
 * it from a member that has lost the partition; quiet offsets not committed
 * (a rebalance, a crash) only mean their batches are read again, which changes
 * nothing either.
 *
 * An input the processor does not read at all just now (`reads`) is not
 * fetched: see unread-topics.ts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { stoppedForGood } from './consumer-stopped';
import { UnreadTopics } from './unread-topics';
import { CopartitionedAssigner } from './copartitioned-assigner';
import { HEARTBEAT_INTERVAL_MS, heartbeatWhile } from './heartbeat-while';
import { idleFetchWaitMs } from './kafka';
import type { Logger } from './logger';
import type { SerialSteps } from './serial-steps';

/**
 * `done`: committed, the offset resolved; `quiet`: nothing to commit but the
 * offset (see above); `retry`: consumed again after a wait; `skip`: the
 * partition was sought elsewhere.
 */
export type BatchOutcome = 'done' | 'quiet' | 'retry' | 'skip';

const retryDelayMs = 1000;
/** How often the offsets of quiet batches are committed: each input's clock (the alerts' no-data) lags by up to this. */
export const quietCommitMs = 1000;

export interface StateProcessorConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** A fetch waits for this many bytes, or `idleFetchWaitMs`. Default 1. */
  minBytes?: number;
  /** Whether the processor reads `topic` now (default: every topic): a topic it does not read is not fetched (unread-topics.ts). */
  reads?(topic: string): boolean;
  steps: SerialSteps;
  /** Aborted when the processor stops: ends a retry's wait. */
  stopped: AbortSignal;
  /** True once the processor is stopping: batches are left to the next owner. */
  stopping(): boolean;
  /** The input partitions assigned at a join, sorted. */
  reassign(partitions: number[]): Promise<void>;
  process(topic: string, partition: number, messages: KafkaMessage[]): Promise<BatchOutcome>;
  /** The consumer, before it joins: `process` may seek it (a batch can come before this function returns). */
  created(consumer: Consumer): void;
  /** kafkajs stopped the consumer for good. */
  onStopped(error: Error): void;
  logger: Logger;
  /** What `reassign` reads back, for its failure's log line ("the shadows"). */
  restoring: string;
}

export async function startStateProcessorConsumer(options: StateProcessorConsumerOptions): Promise<void> {
  const { steps, logger } = options;
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    partitionAssigners: [CopartitionedAssigner],
    ...(options.minBytes !== undefined && { minBytes: options.minBytes }),
    maxWaitTimeInMs: idleFetchWaitMs,
    sessionTimeout: 10_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    readUncommitted: false,
  });
  options.created(consumer);
  const { reads } = options;
  const unread = reads && new UnreadTopics({ consumer, admin: options.kafka.admin(), topics: options.topics, reads, logger });
  await consumer.connect();
  void stoppedForGood(consumer).then((error) => options.onStopped(error));
  const quiet = new QuietOffsets();
  const committing = setInterval(() => {
    // in the steps: after the transaction of a batch taken before, never beside it
    void steps.run(async () => {
      if (options.stopping()) return;
      const offsets = quiet.take();
      if (offsets.length > 0) {
        await consumer.commitOffsets(offsets).catch((error: unknown) => {
          // a rebalance under way, or the broker unreachable: read again by whoever holds the partition
          logger.info({ event: 'quiet_offsets_not_committed', partitions: offsets.length, err: error }, 'offsets of batches that changed nothing not committed; those batches are read again');
        });
      }
      // and the topics nothing reads, at every tick
      await unread?.update();
    });
  }, quietCommitMs);
  committing.unref();
  options.stopped.addEventListener('abort', () => {
    clearInterval(committing);
    void unread?.close().catch(() => undefined);
  });
  consumer.on(consumer.events.REBALANCING, () => quiet.clear());
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    quiet.clear();
    const assignment = event.payload.memberAssignment;
    const partitions = [...new Set(options.topics.flatMap((topic) => assignment[topic] ?? []))].sort((a, b) => a - b);
    void steps.run(() => options.reassign(partitions)).catch((error: unknown) => logger.error({ event: 'reassign_failed', err: error }, `reading ${options.restoring} of assigned partitions back failed`));
  });
  await consumer.subscribe({ topics: options.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      // waiting its turn behind a commit or a restore, the member still heartbeats
      const retry = await heartbeatWhile(heartbeat, () =>
        steps.run(async () => {
          if (options.stopping() || !isRunning() || isStale() || batch.messages.length === 0) return false;
          const outcome = await options.process(batch.topic, batch.partition, batch.messages);
          if (outcome === 'done' || outcome === 'quiet') resolveOffset(batch.lastOffset());
          // a transaction (done, or failed and perhaps committed) supersedes a quiet offset taken before it
          if (outcome === 'quiet') quiet.set(batch.topic, batch.partition, batch.lastOffset());
          else quiet.delete(batch.topic, batch.partition);
          return outcome === 'retry';
        }),
      );
      // outside the steps: the other partitions' batches go on meanwhile
      if (retry) await delay(retryDelayMs, undefined, { signal: options.stopped }).catch(() => undefined);
      await heartbeat();
    },
  });
}

/** The offsets of quiet batches not committed yet, the newest per partition. */
class QuietOffsets {
  private readonly offsets = new Map<string, { topic: string; partition: number; offset: string }>();

  /** After the batch ending at `lastOffset`: the next offset to read. */
  set(topic: string, partition: number, lastOffset: string): void {
    this.offsets.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(lastOffset) + 1n).toString() });
  }

  delete(topic: string, partition: number): void {
    this.offsets.delete(`${topic}\u0000${partition}`);
  }

  take(): { topic: string; partition: number; offset: string }[] {
    const taken = [...this.offsets.values()];
    this.offsets.clear();
    return taken;
  }

  clear(): void {
    this.offsets.clear();
  }
}
