import type { Batch, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import type { SinkMetrics } from './sink-metrics';

export interface BatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  retryInitialMs: number;
  retryMaxMs: number;
  logger: Logger;
  metrics: SinkMetrics;
  /** Writes one Kafka batch; throws to have it retried. Runs again after a failure, so it must be idempotent. */
  write(batch: Batch): Promise<void>;
}

export interface RunningBatchConsumer {
  ready(): boolean;
  stop(): Promise<void>;
}

/**
 * Consumes with offsets committed by hand: a batch's offsets are committed
 * only after `write` resolved; a failed write is retried with exponential
 * backoff (the consumer heartbeats meanwhile) and nothing is committed until
 * it succeeds. A crash replays from the last commit, which the idempotent
 * writes absorb.
 */
export async function startBatchConsumer(options: BatchConsumerOptions): Promise<RunningBatchConsumer> {
  const { logger, metrics } = options;
  // a 10 s session: a crashed member's partitions move on within seconds, not kafkajs's default 30
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 100 });
  let joined = false;
  let failing = false;
  let stopping = false;
  const wake = new AbortController();
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    logger.error({ event: 'consumer_crashed', err: event.payload.error }, 'consumer crashed; kafkajs restarts it');
  });
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      const timer = metrics.batchSeconds.startTimer({ topic: batch.topic });
      let delay = options.retryInitialMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await options.write(batch);
          break;
        } catch (error) {
          metrics.errors.inc({ topic: batch.topic });
          failing = true;
          if (stopping || !isRunning() || isStale()) return;
          logger.warn({ event: 'batch_write_failed', topic: batch.topic, partition: batch.partition, attempt, retryInMs: delay, err: error }, 'batch write failed; retrying');
          await sleep(delay, wake.signal);
          if (stopping || !isRunning() || isStale()) return;
          await heartbeat().catch(() => undefined);
          delay = Math.min(delay * 2, options.retryMaxMs);
        }
      }
      if (failing) logger.info({ event: 'batch_write_recovered', topic: batch.topic, partition: batch.partition }, 'writes succeed again');
      failing = false;
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      metrics.batches.inc({ topic: batch.topic });
      timer();
    },
  });
  return {
    ready: () => joined && !failing,
    async stop() {
      stopping = true;
      wake.abort();
      await consumer.disconnect();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
