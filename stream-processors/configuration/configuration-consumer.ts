import { idleFetchWaitMs } from '../../lib/kafka';
/**
 * The processor's consumer: one group over the assignments and the device
 * messages, partition p of both to one member (lib/copartitioned-assigner.ts),
 * so that member is the one writer of the devices keyed there. Each batch is
 * decoded and applied (device-state-store.ts), retried with backoff until it
 * is; its offsets are resolved only then, and kafkajs commits resolved
 * offsets on its interval. Kafka's committed offset may trail the one stored
 * with the state, never lead it.
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { CopartitionedAssigner } from '../../lib/copartitioned-assigner';
import { stoppedForGood } from '../../lib/consumer-stopped';
import type { Logger } from '../../lib/logger';
import { retryBatch } from '../../lib/batch-retry';
import type { ConfigurationMetrics } from './configuration-metrics';
import type { ConsumedRecord } from './device-state-store';
import type { DecodedRecord } from './configuration-inputs';

export interface ConfigurationConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently: number;
  logger: Logger;
  metrics: ConfigurationMetrics;
  /** Throws a retriable error when it cannot decode now (the schema registry away); undecodable records are `rejected`. */
  decode(topic: string, message: KafkaMessage): Promise<DecodedRecord>;
  /** Applies a batch in one transaction; throws to have it retried. */
  apply(topic: string, partition: number, records: ConsumedRecord[]): Promise<void>;
  /** The partitions this member owns now (none while the group rebalances). */
  onOwned(partitions: number[]): void;
}

export interface RunningConfigurationConsumer {
  ready(): boolean;
  stop(): Promise<void>;
  /** Settles when the consumer stopped for good: kafkajs gave up, or a batch failed in a way retrying cannot fix. */
  failed: Promise<Error>;
}

export async function startConfigurationConsumer(options: ConfigurationConsumerOptions): Promise<RunningConfigurationConsumer> {
  const { logger, metrics } = options;
  // a 10 s session: a crashed member's devices move on within seconds
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, partitionAssigners: [CopartitionedAssigner], sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: idleFetchWaitMs });
  const stopping = new AbortController();
  let joined = false;
  let refuse!: (error: Error) => void;
  const refused = new Promise<Error>((resolve) => (refuse = resolve));
  const crashed = stoppedForGood(consumer);
  void crashed.then((error) => logger.error({ event: 'consumer_stopped', err: error }, 'consumer stopped after an error kafkajs does not retry'));

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    const assigned = event.payload.memberAssignment;
    const owned = [...new Set(options.topics.flatMap((topic) => assigned[topic] ?? []))].sort((a, b) => a - b);
    metrics.ownedPartitions.set(owned.length);
    logger.info({ event: 'partitions_assigned', partitions: owned }, 'partitions assigned');
    options.onOwned(owned);
  });
  consumer.on(consumer.events.REBALANCING, () => options.onOwned([]));
  consumer.on(consumer.events.CRASH, () => {
    joined = false;
    options.onOwned([]);
  });

  await consumer.connect();
  const disconnectAndThrow = async (error: unknown): Promise<never> => {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  };
  await consumer.subscribe({ topics: options.topics, fromBeginning: true }).catch(disconnectAndThrow);
  await consumer
    .run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const timer = metrics.batchSeconds.startTimer();
        const { topic, partition } = batch;
        let done: boolean | undefined;
        try {
          done = await retryBatch(
            async () => {
              // moved to another member, or stopping: whoever has it next applies it from the stored offset
              if (!isRunning() || isStale()) return false;
              const records: ConsumedRecord[] = [];
              for (const message of batch.messages) records.push({ offset: message.offset, value: message.value ?? Buffer.alloc(0), decoded: await options.decode(topic, message) });
              await options.apply(topic, partition, records);
              return true;
            },
            {
              stopping: stopping.signal,
              heartbeat,
              onRetry: (error, attempt, delayMs) => {
                metrics.failures.inc({ work: 'batch' });
                logger.warn({ event: 'batch_failed', topic, partition, attempt, retryInMs: delayMs, err: error }, 'applying a batch failed; retrying');
              },
            },
          );
        } catch (error) {
          logger.error({ event: 'batch_refused', topic, partition, err: error }, 'applying a batch failed for a reason retrying cannot fix; stopping');
          consumer.pause([{ topic, partitions: [partition] }]);
          refuse(error as Error);
          return;
        }
        if (!done) return;
        resolveOffset(batch.lastOffset());
        timer();
        await heartbeat().catch(() => undefined);
      },
    })
    .catch(disconnectAndThrow);

  return {
    failed: Promise.race([crashed, refused]),
    ready: () => joined,
    async stop() {
      stopping.abort();
      options.onOwned([]);
      await consumer.disconnect();
    },
  };
}
