/**
 * A consumer whose truth is in PostgreSQL (the webhooks republisher's outbox,
 * the handler workers' executions): one group; each batch is applied (what it
 * makes written with the partition's next offset, in one transaction), retried with
 * backoff until it is. The offset stored in the database is the truth; Kafka's
 * committed offset only says where a restarted member starts reading, so it
 * is committed every `commitIntervalMs`, not after every batch as kafkajs's
 * autoCommit does: it may trail the stored one, never lead it, and what is
 * read again below the stored offset adds nothing.
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Counter } from 'prom-client';
import { stoppedForGood } from './consumer-stopped';
import type { Logger } from './logger';
import { retryBatch } from './batch-retry';
import { unreadCheckMs, UnreadTopics } from './unread-topics';

export interface SourceConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently: number;
  /** Where a group without offsets starts. */
  fromBeginning: boolean;
  commitIntervalMs: number;
  /** A fetch waits for this many bytes, or `fetchMaxWaitMs`. */
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  logger: Logger;
  /** Failed attempts at writing a batch (`work: batch`), each retried. */
  metrics: { failures: Counter<'work'> };
  /**
   * Writes a batch in one transaction; throws to have it retried. `gap`: the
   * stored offset the batch starts past, nothing written; with `acceptGap` the
   * batch is written all the same.
   */
  apply(topic: string, partition: number, messages: KafkaMessage[], acceptGap: boolean): Promise<{ gap?: string }>;
  /**
   * Whether anything reads `topic` now (default: every topic): a topic nothing reads is not fetched
   * (unread-topics.ts), and `skipTo` moves its stored offset to its end instead, in the database.
   */
  reads?(topic: string): Promise<boolean>;
  skipTo?(topic: string, partition: number, nextOffset: string): Promise<void>;
}

export interface RunningSourceConsumer {
  ready(): boolean;
  stop(): Promise<void>;
  /** Settles when the consumer stopped for good: kafkajs gave up, or a batch failed in a way retrying cannot fix. */
  failed: Promise<Error>;
}

export async function startSourceConsumer(options: SourceConsumerOptions): Promise<RunningSourceConsumer> {
  const { logger, metrics } = options;
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, minBytes: options.fetchMinBytes, maxWaitTimeInMs: options.fetchMaxWaitMs });
  const stopping = new AbortController();
  let joined = false;
  let refuse!: (error: Error) => void;
  const refused = new Promise<Error>((resolve) => (refuse = resolve));
  const crashed = stoppedForGood(consumer);
  void crashed.then((error) => logger.error({ event: 'consumer_stopped', err: error }, 'consumer stopped after an error kafkajs does not retry'));
  // a partition is moved back to its stored offset once per assignment: a gap that stays is records Kafka no longer has, and is accepted
  const sought = new Set<string>();

  // the next offset of each partition this member applied, committed to Kafka on the interval
  let applied = new Map<string, { topic: string; partition: number; offset: string }>();
  const commit = async () => {
    const offsets = [...applied.values()];
    applied = new Map();
    if (offsets.length === 0) return;
    // a partition that moved meanwhile refuses the commit; its new owner starts from an older offset and skips below the stored one
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      logger.debug({ event: 'offsets_not_committed', err: error }, 'committing offsets to Kafka failed; the database holds them');
    }
  };
  const committing = setInterval(() => void commit(), options.commitIntervalMs);

  const { reads, skipTo } = options;
  const unread =
    reads &&
    skipTo &&
    new UnreadTopics({
      consumer,
      admin: options.kafka.admin(),
      topics: options.topics,
      reads,
      skipTo: async (ends) => {
        for (const { topic, partition, offset } of ends) await skipTo(topic, partition, offset);
        for (const end of ends) applied.set(`${end.topic}:${end.partition}`, end);
      },
      logger,
    });
  let updating: Promise<void> | undefined;
  const checkingUnread =
    unread &&
    setInterval(() => {
      updating ??= unread.update().finally(() => (updating = undefined));
    }, unreadCheckMs);

  consumer.on(consumer.events.REBALANCING, () => (applied = new Map()));
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    sought.clear();
    logger.info({ event: 'partitions_assigned', partitions: event.payload.memberAssignment }, 'partitions assigned');
  });
  consumer.on(consumer.events.CRASH, () => (joined = false));

  await consumer.connect();
  const disconnectAndThrow = async (error: unknown): Promise<never> => {
    clearInterval(committing);
    clearInterval(checkingUnread);
    await unread?.close().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    throw error;
  };
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning }).catch(disconnectAndThrow);
  await consumer
    .run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const { topic, partition } = batch;
        const key = `${topic}:${partition}`;
        let outcome: { gap?: string } | undefined;
        try {
          outcome = await retryBatch(
            async () => (!isRunning() || isStale() ? undefined : options.apply(topic, partition, batch.messages, sought.has(key))),
            {
              stopping: stopping.signal,
              heartbeat,
              onRetry: (error, attempt, delayMs) => {
                metrics.failures.inc({ work: 'batch' });
                logger.warn({ event: 'batch_failed', topic, partition, attempt, retryInMs: delayMs, err: error }, 'writing a batch failed; retrying');
              },
            },
          );
        } catch (error) {
          logger.error({ event: 'batch_refused', topic, partition, err: error }, 'writing a batch failed for a reason retrying cannot fix; stopping');
          consumer.pause([{ topic, partitions: [partition] }]);
          refuse(error as Error);
          return;
        }
        if (outcome === undefined) return;
        if (outcome.gap !== undefined) {
          sought.add(key);
          logger.warn({ event: 'offsets_behind_database', topic, partition, batchStart: batch.firstOffset(), storedOffset: outcome.gap }, 'the batch starts past the offset stored in the database; reading from there');
          consumer.seek({ topic, partition, offset: outcome.gap });
          return;
        }
        resolveOffset(batch.lastOffset());
        applied.set(key, { topic, partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
        await heartbeat().catch(() => undefined);
      },
    })
    .catch(disconnectAndThrow);

  return {
    failed: Promise.race([crashed, refused]),
    ready: () => joined,
    async stop() {
      stopping.abort();
      clearInterval(committing);
      clearInterval(checkingUnread);
      await unread?.close().catch(() => undefined);
      // a batch finishing after this is read again by the next owner, and skipped
      await commit();
      await consumer.disconnect();
    },
  };
}
