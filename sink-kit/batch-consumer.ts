import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger';
import type { ConsumerLoopMetrics } from './sink-metrics';
import { heartbeatFindsRebalance, stoppedForGood } from '../lib/consumer-stopped';
import { FleetstreamError, isRetriable } from '../lib/errors';

export interface BatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  /** First and longest wait between retries of a failed write, ms. */
  retryInitial: number;
  retryMax: number;
  /** How often a timer commits the offsets of written batches, ms (also when the group rebalances and at stop). */
  commitInterval: number;
  /** A fetch waits for this many bytes, or `fetchMaxWait` ms, whichever comes first. */
  fetchMinBytes: number;
  fetchMaxWait: number;
  logger: Logger;
  metrics: ConsumerLoopMetrics;
  /**
   * Writes one Kafka batch; throws to have it retried. Runs again after a failure, so it must be idempotent.
   * An error that retrying cannot fix (`isRetriable` of lib/errors.ts) stops the consumer for good.
   */
  write(batch: Batch, context: BatchContext): Promise<void>;
}

/** For a write that waits long (on a server that is down): it must heartbeat, and give up a batch that went stale. */
export interface BatchContext {
  /** Keeps the group membership; throws when the group rebalances (kafkajs's error, its `type` REBALANCE_IN_PROGRESS, ...). */
  heartbeat(): Promise<void>;
  /** The batch's partition was sought elsewhere or taken away: its offsets will not be committed. */
  isStale(): boolean;
}

/** A partition whose batch write fails, retried until it succeeds. */
export interface FailingPartition {
  topic: string;
  partition: number;
  /** Epoch ms of the first failure in a row. */
  since: number;
  attempts: number;
  error: string;
}

export interface RunningBatchConsumer {
  /** Joined the group, and no partition's write is failing. */
  ready(): boolean;
  /** What `/readyz` reports beside its status: the partitions whose writes fail. */
  readiness(): { failingPartitions: FailingPartition[] };
  stop(): Promise<void>;
  /**
   * Settles when the consumer stopped for good: kafkajs does not restart it after an error it cannot
   * retry, or a write failed with an error retrying cannot fix (a missing table, no permission).
   */
  failed: Promise<Error>;
}

/**
 * Consumes with a batch's offsets marked done only after `write` resolved; a
 * failed write is retried with exponential backoff (the consumer heartbeats
 * meanwhile) and nothing after it is committed until it succeeds. A crash
 * replays from the last commit, which the idempotent writes absorb. Failures
 * are tracked per partition (readiness, `partition_failing`): one partition
 * that fails holds back its share of every tenant's data.
 *
 * Written offsets are committed by a timer every `commitInterval` ms, never on
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
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxBytesPerPartition: 4 * 1024 * 1024, sessionTimeout: 10_000, heartbeatInterval: 1000, minBytes: options.fetchMinBytes, maxWaitTimeInMs: options.fetchMaxWait });
  let joined = false;
  /** By `topic|partition`. */
  const failing = new Map<string, FailingPartition>();
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
    for (const [key, partition] of failing) if (!assigned[partition.topic]?.includes(partition.partition)) recovered(key, partition);
  });
  consumer.on(consumer.events.REBALANCING, () => void commitWritten());
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    if (event.payload.restart) logger.error({ event: 'consumer_crashed', err: event.payload.error }, 'consumer crashed; kafkajs restarts it');
  });
  const crashed = stoppedForGood(consumer);
  void crashed.then((error) => logger.error({ event: 'consumer_stopped', err: error }, 'consumer stopped after an error kafkajs does not retry'));
  let refuse!: (error: Error) => void;
  const refused = new Promise<Error>((resolve) => (refuse = resolve));
  const failed = Promise.race([crashed, refused]);
  /** Forgets a partition's failure: its write succeeded, or it moved to another member. */
  const recovered = (key: string, partition: FailingPartition): void => {
    failing.delete(key);
    metrics.failingPartitions.set({ topic: partition.topic, partition: partition.partition }, 0);
  };
  await consumer.connect();
  // past connect (a topic that does not exist, say), a failure must not leave a connected consumer keeping the process alive
  const disconnectAndThrow = async (error: unknown): Promise<never> => {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  };
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning }).catch((error: unknown) =>
    disconnectAndThrow(
      (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION'
        ? new FleetstreamError('CONFIG_INVALID', `a topic of ${options.topics.join(', ')} does not exist: run \`fleetstream topics apply\` (\`make up\` does), or name the right one in the options`, { cause: error })
        : error,
    ),
  );
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
    const { topic, partition } = batch;
    const key = `${topic}|${partition}`;
    let delay = options.retryInitial;
    for (let attempt = 1; ; attempt++) {
      try {
        await options.write(batch, { heartbeat, isStale });
        break;
      } catch (error) {
        metrics.errors.inc({ topic });
        const since = failing.get(key)?.since ?? Date.now();
        failing.set(key, { topic, partition, since, attempts: attempt, error: (error as Error).message });
        metrics.failingPartitions.set({ topic, partition }, 1);
        if (!isRetriable(error)) {
          // retrying would stall the partition forever, and quietly: stop, so the process exits saying why
          logger.error({ event: 'batch_write_refused', topic, partition, err: error }, 'batch write failed for a reason retrying cannot fix; stopping');
          consumer.pause([{ topic, partitions: [partition] }]);
          refuse(error as Error);
          return;
        }
        if (stopping || !isRunning() || isStale()) return;
        logger.warn({ event: 'batch_write_failed', topic, partition, attempt, retryInMs: delay, err: error }, 'batch write failed; retrying');
        await sleep(delay, wake.signal);
        if (stopping || !isRunning() || isStale()) return;
        // the group rebalancing: the partition may be moving, and whoever has it next takes the batch from the committed offset
        if (await heartbeatFindsRebalance(heartbeat)) return;
        delay = Math.min(delay * 2, options.retryMax);
      }
    }
    const wasFailing = failing.get(key);
    if (wasFailing) {
      logger.info({ event: 'batch_write_recovered', topic, partition, failingForMs: Date.now() - wasFailing.since }, 'writes succeed again');
      recovered(key, wasFailing);
    }
    resolveOffset(batch.lastOffset());
    written.set(key, { topic, partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
    metrics.batches.inc({ topic });
    timer();
  }

  const committer = setInterval(() => void commitWritten(), options.commitInterval);

  return {
    failed,
    ready: () => joined && failing.size === 0,
    readiness: () => ({ failingPartitions: [...failing.values()] }),
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
    // the listener goes with the timer: a partition retrying for hours would otherwise pile them up on the one signal
    const onAbort = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
