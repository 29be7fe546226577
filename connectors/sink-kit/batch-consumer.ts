import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import type { SinkMetrics } from './sink-metrics';
import { stoppedForGood } from '../../lib/consumer-stopped';

export interface BatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** How often a timer commits the offsets of written batches, ms (also when the group rebalances and at stop). */
  commitIntervalMs: number;
  /** A fetch waits for this many bytes, or `fetchMaxWaitMs`, whichever comes first. */
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  logger: Logger;
  metrics: SinkMetrics;
  /** Writes one Kafka batch; throws to have it retried. Runs again after a failure, so it must be idempotent. */
  write(batch: Batch): Promise<void>;
}

export interface RunningBatchConsumer {
  ready(): boolean;
  stop(): Promise<void>;
  /** Settles when the consumer stopped for good: kafkajs does not restart it after an error it cannot retry. */
  failed: Promise<Error>;
}

/**
 * Consumes with a batch's offsets marked done only after `write` resolved; a
 * failed write is retried with exponential backoff (the consumer heartbeats
 * meanwhile) and nothing after it is committed until it succeeds. A crash
 * replays from the last commit, which the idempotent writes absorb.
 *
 * Written offsets are committed by a timer every `commitIntervalMs`, never on
 * a batch's way: kafkajs fetches again only once the last fetch's batches are
 * done, so a commit per batch (one OffsetCommit round trip per partition,
 * about 6 ms on Kafka 4, whose group coordinator lingers 5 ms before writing)
 * put tens of milliseconds on every reading's way to the store. They are also
 * committed when the group starts rebalancing (best effort: a partition that
 * moves on replays at most an interval) and before `stop` leaves the group.
 */
export async function startBatchConsumer(options: BatchConsumerOptions): Promise<RunningBatchConsumer> {
  const { logger, metrics } = options;
  // a 10 s session: a crashed member's partitions move on within seconds, not kafkajs's default 30
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: 10_000, heartbeatInterval: 1000, minBytes: options.fetchMinBytes, maxWaitTimeInMs: options.fetchMaxWaitMs });
  let joined = false;
  let failing = false;
  let stopping = false;
  const wake = new AbortController();
  /** The next offset to read per topic-partition, of batches written. */
  const written = new Map<string, { topic: string; partition: number; offset: string }>();
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const commitWritten = async (): Promise<void> => {
    if (written.size === 0) return;
    const offsets = [...written];
    written.clear();
    try {
      await consumer.commitOffsets(offsets.map(([, done]) => done));
    } catch (error) {
      // a later batch of the partition may have been written meanwhile: keep the newer offset
      for (const [key, done] of offsets) if (!written.has(key)) written.set(key, done);
      logger.warn({ event: 'commit_failed', err: error }, 'committing written offsets failed; retried at the next interval');
    }
  };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    joined = true;
    // partitions now elsewhere: their new owner commits them
    const assigned = event.payload.memberAssignment;
    for (const [key, done] of written) if (!assigned[done.topic]?.includes(done.partition)) written.delete(key);
  });
  consumer.on(consumer.events.REBALANCING, () => void commitWritten());
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    if (event.payload.restart) logger.error({ event: 'consumer_crashed', err: event.payload.error }, 'consumer crashed; kafkajs restarts it');
  });
  const failed = stoppedForGood(consumer);
  void failed.then((error) => logger.error({ event: 'consumer_stopped', err: error }, 'consumer stopped after an error kafkajs does not retry'));
  await consumer.connect();
  // past connect (a topic that does not exist, say), a failure must not leave a connected consumer keeping the process alive
  const disconnectAndThrow = async (error: unknown): Promise<never> => {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  };
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning }).catch(disconnectAndThrow);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    eachBatch: async (payload) => {
      inFlight++;
      try {
        await writeBatch(payload);
      } finally {
        if (--inFlight === 0) idle?.();
      }
    },
  }).catch(disconnectAndThrow);

  async function writeBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
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
    written.set(`${batch.topic}|${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
    metrics.batches.inc({ topic: batch.topic });
    timer();
  }

  const committer = setInterval(() => void commitWritten(), options.commitIntervalMs);

  return {
    failed,
    ready: () => joined && !failing,
    async stop() {
      stopping = true;
      wake.abort();
      clearInterval(committer);
      // fetch nothing more, let the batches under way finish, and commit what they wrote while still a member
      consumer.pause(options.topics.map((topic) => ({ topic })));
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await commitWritten();
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
