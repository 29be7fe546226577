/**
 * One rollup stage on Kafka: consumes an input topic (measurements, or the
 * finer rollups), keeps window state per input partition, and produces
 * rollups. Exactly once: the outputs of every batch consumed within a commit
 * interval, the window state they changed (to a compacted changelog topic,
 * partition for partition) and the consumed offsets go in one Kafka
 * transaction. After a crash, state is restored from the changelog and
 * consumption resumes at the committed offsets, so the result equals a run
 * without the crash. A transaction that fails throws the interval's work away
 * the same way: the partitions it consumed are sought back to their committed
 * offsets and their state is restored.
 *
 * Committing per interval rather than per batch (Kafka Streams'
 * commit.interval.ms) is what keeps the cost down: a window that took inputs
 * from ten batches is saved once per commit, and the transaction
 * coordinator's round trips and markers come once per interval (0.2 s by
 * default), not once per partition batch.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { producerDefaults } from '../../lib/kafka';
import type { AvroCodec } from '../../schemas/avro-codec';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetter, Rollup } from '../../schemas/types';
import { partitionForPath } from './key-partition';
import { PartitionWindows, type Emission, type SeriesMeta, type WindowTiming } from './partition-windows';
import { ChangelogReader, changelogRecords, RESTORE_MARKER } from './state-changelog';
import { chunkTopicMessages } from './send-chunks';
import type { StageMetrics } from './stage-metrics';
import { revisionOf } from './window-aggregate';
import type { WindowLogic } from './window-logic';
import { createTopicsAndWait } from '../../lib/create-topics';
import { stoppedForGood } from '../../lib/consumer-stopped';

/** What one input record means to a stage. */
export type StageInput<I> =
  | { kind: 'input'; meta: SeriesMeta; time: number; progress: number; input: I }
  | { kind: 'skip' }
  | { kind: 'undecodable'; message: string };

export interface StageConfig<I, W> {
  /** e.g. rollups-1m */
  name: string;
  resolution: string;
  timing: WindowTiming;
  logic: WindowLogic<I, W>;
  inputTopic: string;
  outputTopic: string;
  changelogTopic: string;
  deadLetterTopic: string;
  groupId: string;
  transactionalId: string;
  /** Late inputs of the finest stage are dead-lettered; a coarser stage's are replays of windows it already merged. */
  deadLetterLate: boolean;
  provisionalIntervalMs: number;
  /** How often the outputs, state and offsets of the batches consumed since the last commit are committed. */
  commitIntervalMs: number;
  decode(message: KafkaMessage): Promise<StageInput<I>>;
  rollupCodec: AvroCodec<Rollup>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  kafka: Kafka;
  logger: Logger;
  metrics: StageMetrics;
  now: () => number;
}

type TopicOutputs = Map<string, Message[]>;

/** Keys and values per send within a transaction: well under Kafka's default 1 MiB per record batch (send-chunks.ts). */
const maxSendBytes = 512 * 1024;

export class RollupStage<I, W> {
  private readonly partitions = new Map<number, PartitionWindows<I, W>>();
  private assigned = new Set<number>();
  private queue: Promise<unknown> = Promise.resolve();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private outputPartitions = 0;
  private committer: NodeJS.Timeout | undefined;
  /** Outputs of the batches consumed since the last commit. */
  private pending: TopicOutputs = new Map();
  /** Partition -> the offset after its last batch consumed since the last commit. */
  private uncommitted = new Map<number, string>();
  /** Partition -> where its consumption resumes after a failed commit: its committed offset, or its first batch's. */
  private resumeAt = new Map<number, string>();
  private lastCommitAt = 0;
  /** Commits so far: which slice of the series' provisional rollups the next one emits. */
  private commits = 0;
  /** Each commit emits the provisional rollups of one slice of the series; a series' come round every provisional interval. */
  private readonly provisionalSlices: number;
  private running = false;
  private stopping = false;
  private readonly log: Logger;
  /** Settles when the stage stopped consuming for good (set in `start`). */
  failed: Promise<Error> = new Promise(() => undefined);

  constructor(private readonly config: StageConfig<I, W>) {
    this.log = config.logger.child({ stage: config.name });
    this.provisionalSlices = Math.max(1, Math.round(config.provisionalIntervalMs / config.commitIntervalMs));
  }

  get ready(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { kafka, config } = { kafka: this.config.kafka, config: this.config };
    this.admin = kafka.admin();
    await this.admin.connect();
    const inputPartitions = await this.partitionCount(config.inputTopic);
    this.outputPartitions = await this.partitionCount(config.outputTopic);
    await this.ensureChangelog(inputPartitions);

    this.producer = kafka.producer({
      ...producerDefaults,
      transactionalId: config.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
    });
    await this.producer.connect();

    this.consumer = kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1000, readUncommitted: false });
    await this.consumer.connect();
    this.failed = stoppedForGood(this.consumer);
    void this.failed.then((error) => {
      this.running = false;
      this.log.error({ event: 'stage_stopped', err: error }, 'the stage stopped consuming after an error it cannot retry');
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment[config.inputTopic] ?? [];
      void this.serial(() => this.reassign(assignment)).catch((error: unknown) => this.log.error({ event: 'reassign_failed', err: error }, 'restoring state failed'));
    });
    await this.consumer.subscribe({ topic: config.inputTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        await this.serial(async () => {
          if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
          await this.processBatch(batch.partition, batch.messages);
          resolveOffset(batch.lastOffset());
          // before the batch returns, so a commit due goes out before kafkajs could rejoin a rebalancing group
          if (this.commitDue()) {
            // a commit that failed has sought the partitions back already; only what cannot be retried stops the consumer
            await this.commit().catch((error: unknown) => {
              if ((error as { retriable?: boolean }).retriable !== true) throw error;
            });
          }
        });
        await heartbeat();
      },
    });
    this.running = true;
    this.lastCommitAt = config.now();
    // commits when no batch comes to do it: provisional rollups, and windows closed by the wall clock
    this.committer = setInterval(
      () =>
        void this.serial(async () => (this.commitDue() ? this.commit() : undefined)).catch((error: unknown) =>
          this.log.warn({ event: 'commit_failed', err: error }, 'timed commit failed'),
        ),
      config.commitIntervalMs,
    );
    this.log.info({ event: 'stage_started', input: config.inputTopic, output: config.outputTopic, resolution: config.resolution }, 'rollup stage started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearInterval(this.committer);
    // commit what is pending while still a member of the group, so the partitions' next owner resumes after it
    await this.serial(() => this.commit()).catch(() => undefined);
    await this.consumer?.disconnect();
    await this.queue.catch(() => undefined);
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /** Runs one step at a time: batches, ticks and restores share the state and the transactional producer. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Applies a batch to the partition's state; its outputs and offset wait for the next commit. */
  private async processBatch(partition: number, messages: KafkaMessage[]): Promise<void> {
    const { config } = this;
    const state = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    if (!this.resumeAt.has(partition)) this.resumeAt.set(partition, messages[0]!.offset);
    const outputs = this.pending;
    const wallNow = config.now();
    try {
      await this.applyBatch(partition, messages, state, outputs, wallNow);
    } catch (error) {
      // the state and the pending outputs took part of the batch
      this.discardUncommitted();
      throw error;
    }
    this.uncommitted.set(partition, (BigInt(messages[messages.length - 1]!.offset) + 1n).toString());
  }

  private async applyBatch(partition: number, messages: KafkaMessage[], state: PartitionWindows<I, W>, outputs: TopicOutputs, wallNow: number): Promise<void> {
    const { config } = this;
    for (const message of messages) {
      const decoded = await config.decode(message);
      if (decoded.kind === 'skip') {
        config.metrics.inputs.inc({ stage: config.name, outcome: 'skipped' });
        continue;
      }
      if (decoded.kind === 'undecodable') {
        config.metrics.inputs.inc({ stage: config.name, outcome: 'undecodable' });
        this.deadLetter(outputs, message, partition, 'undecodable', decoded.message);
        continue;
      }
      const outcome = state.add(decoded.meta, decoded.time, decoded.progress, decoded.input, wallNow);
      config.metrics.inputs.inc({ stage: config.name, outcome });
      if (outcome === 'late' && config.deadLetterLate) {
        this.deadLetter(outputs, message, partition, 'late', `${decoded.meta.path} at ${new Date(decoded.time).toISOString()}: its ${config.resolution} window closed (watermark ${new Date(state.currentWatermark).toISOString()})`);
      }
    }
    this.addRollups(outputs, state.advance(wallNow));
  }

  /**
   * One transaction: the pending outputs, the final rollups of windows the
   * wall clock closed where partitions went quiet, one slice of the
   * provisional rollups, the state the partitions changed since the last
   * commit, and the offsets consumed.
   *
   * Provisional rollups go out a slice of the series per commit, so each
   * series gets one every provisional interval, and the sinks downstream
   * take them as a steady flow rather than all at once: at 5,000 readings/s,
   * emitting them all every 2 s put a spike of about 400 ms into the latency
   * of the raw readings every 2 s.
   *
   * When the transaction fails for good, everything since the last commit is
   * thrown away: the partitions consumed are sought back, and every
   * partition's state is restored from the changelog before its next batch.
   */
  private async commit(): Promise<void> {
    const { config } = this;
    const outputs = this.pending;
    const consumed = [...this.uncommitted].map(([partition, offset]) => ({ partition, offset }));
    this.pending = new Map();
    this.uncommitted = new Map();
    const wallNow = config.now();
    this.lastCommitAt = wallNow;
    const slice = this.commits++ % this.provisionalSlices;
    for (const [partition, state] of this.partitions) {
      if (this.running) {
        this.addRollups(outputs, state.advance(wallNow));
        this.addRollups(outputs, state.provisional(slice, this.provisionalSlices));
      }
      this.addChangelog(outputs, partition, state);
    }
    try {
      await this.transact(outputs, consumed);
    } catch (error) {
      this.log.error({ event: 'commit_failed', partitions: consumed.map((c) => c.partition), err: error }, 'commit failed: consuming again from the last committed offsets');
      config.metrics.commitsFailed.inc({ stage: config.name });
      this.discardUncommitted(consumed.map((c) => c.partition));
      throw error;
    }
    for (const { partition, offset } of consumed) this.resumeAt.set(partition, offset);
    this.observe();
  }

  private commitDue(): boolean {
    return this.config.now() - this.lastCommitAt >= this.config.commitIntervalMs;
  }

  /**
   * Throws away everything since the last commit: pending outputs, the state
   * (every partition's is restored from the changelog before its next batch),
   * and the consumed position of `consumed` partitions (sought back to their
   * last committed offsets, where still assigned).
   */
  private discardUncommitted(consumed: number[] = [...this.uncommitted.keys()]): void {
    for (const partition of consumed) {
      const offset = this.resumeAt.get(partition);
      if (this.assigned.has(partition) && offset !== undefined) this.consumer!.seek({ topic: this.config.inputTopic, partition, offset });
    }
    this.pending = new Map();
    this.uncommitted = new Map();
    this.partitions.clear();
  }

  private addRollups(outputs: TopicOutputs, emissions: Emission[]): void {
    const { config } = this;
    const computedAt = config.now();
    for (const e of emissions) {
      const rollup: Rollup = {
        ...e.meta,
        resolution: config.resolution,
        windowStart: e.windowStart,
        windowEnd: e.windowEnd,
        ...e.values,
        final: e.final,
        revision: revisionOf(e.values.count, e.final),
        computedAt,
      };
      push(outputs, config.outputTopic, {
        key: `${e.meta.path}@${e.windowStart}`,
        value: config.rollupCodec.encode(rollup),
        partition: partitionForPath(config.outputTopic, e.meta.path, this.outputPartitions),
      });
      config.metrics.emitted.inc({ stage: config.name, final: String(e.final) });
    }
  }

  private addChangelog(outputs: TopicOutputs, partition: number, state: PartitionWindows<I, W>): void {
    for (const record of changelogRecords(state.takeChanged())) push(outputs, this.config.changelogTopic, { ...record, partition });
  }

  private deadLetter(outputs: TopicOutputs, message: KafkaMessage, partition: number, reason: 'late' | 'undecodable', text: string): void {
    const { config } = this;
    push(
      outputs,
      config.deadLetterTopic,
      deadLetterMessage(config.deadLetterCodec, {
        source: config.name,
        reason,
        message: text,
        payload: message.value ?? Buffer.alloc(0),
        sourceTopic: config.inputTopic,
        headers: { partition: String(partition), offset: message.offset },
        time: config.now(),
      }),
    );
  }

  /**
   * One Kafka transaction: outputs, then offsets, then commit. The transaction
   * coordinator answers CONCURRENT_TRANSACTIONS (or loses its coordinator) for
   * a moment after a commit; kafkajs retries some of those calls but not
   * AddOffsetsToTxn, so the whole transaction is tried again here a few times,
   * with the same outputs, before the caller falls back to rebuilding state.
   */
  private async transact(outputs: TopicOutputs, consumed: { partition: number; offset: string }[] = []): Promise<void> {
    if (outputs.size === 0 && consumed.length === 0) return;
    const { config } = this;
    const sends = chunkTopicMessages([...outputs].map(([topic, messages]) => ({ topic, messages })), maxSendBytes);
    const timer = config.metrics.transaction.startTimer({ stage: config.name });
    try {
      for (let attempt = 1; ; attempt++) {
        const tx = await this.producer!.transaction();
        try {
          for (const topicMessages of sends) await tx.sendBatch({ acks: -1, topicMessages });
          if (consumed.length > 0) await tx.sendOffsets({ consumerGroupId: config.groupId, topics: [{ topic: config.inputTopic, partitions: consumed }] });
          await tx.commit();
          return;
        } catch (error) {
          await tx.abort().catch(() => undefined);
          const retriable = (error as { retriable?: boolean }).retriable === true || (error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS';
          this.log.warn({ event: 'transaction_aborted', attempt, retriable, err: error }, 'transaction aborted');
          if (!retriable || attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    } finally {
      timer();
    }
  }

  private async reassign(assignment: number[]): Promise<void> {
    this.assigned = new Set(assignment);
    if (this.uncommitted.size > 0) {
      // the group rebalanced before those batches were committed; a partition that moved is consumed from its
      // committed offset by its new owner already, so committing them now would produce their outputs twice
      this.log.warn({ event: 'uncommitted_discarded', partitions: [...this.uncommitted.keys()] }, 'rebalanced before a commit: consuming those batches again');
      this.discardUncommitted();
    }
    for (const partition of [...this.resumeAt.keys()]) if (!this.assigned.has(partition)) this.resumeAt.delete(partition);
    for (const partition of [...this.partitions.keys()]) if (!this.assigned.has(partition)) this.partitions.delete(partition);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.log.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  /**
   * Rebuilds the state of `partitions` from the changelog. A marker written
   * (and committed) first tells where the changelog ended: everything before it
   * is read.
   */
  private async restore(partitions: number[]): Promise<Map<number, PartitionWindows<I, W>>> {
    const { config } = this;
    const changelogs = new Map(partitions.map((p) => [p, new ChangelogReader()]));
    const marker = `${RESTORE_MARKER}${randomUUID()}`;
    const outputs: TopicOutputs = new Map();
    for (const partition of partitions) push(outputs, config.changelogTopic, { key: marker, value: null, partition });
    await this.transact(outputs);

    const groupId = `${config.groupId}-restore-${randomUUID()}`;
    const reader = config.kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
    await reader.connect();
    try {
      const pending = new Set(partitions);
      await new Promise<void>((resolve, reject) => {
        reader.subscribe({ topic: config.changelogTopic, fromBeginning: true }).then(
          () =>
            reader.run({
              eachMessage: async ({ partition, message }) => {
                if (!pending.has(partition)) return;
                const key = message.key?.toString() ?? '';
                if (key === marker) {
                  pending.delete(partition);
                  if (pending.size === 0) resolve();
                } else {
                  changelogs.get(partition)!.read(key, message.value);
                }
              },
            }),
          reject,
        );
      });
    } finally {
      await reader.disconnect();
      await this.admin!.deleteGroups([groupId]).catch(() => undefined);
    }
    const restored = new Map<number, PartitionWindows<I, W>>();
    for (const [partition, changelog] of changelogs) {
      const state = new PartitionWindows<I, W>(config.logic, config.timing, config.now());
      changelog.restoreInto(state);
      restored.set(partition, state);
      this.partitions.set(partition, state);
      config.metrics.restores.inc({ stage: config.name });
    }
    this.log.info({ event: 'state_restored', partitions, series: [...restored.values()].reduce((n, s) => n + s.seriesCount, 0) }, 'window state restored from the changelog');
    return restored;
  }

  private observe(): void {
    let windows = 0;
    let series = 0;
    for (const state of this.partitions.values()) {
      windows += state.openWindows;
      series += state.seriesCount;
    }
    this.config.metrics.openWindows.set({ stage: this.config.name }, windows);
    this.config.metrics.series.set({ stage: this.config.name }, series);
  }

  private async partitionCount(topic: string): Promise<number> {
    const metadata = await this.admin!.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${topic} does not exist: run \`fleetstream topics apply\``);
    return count;
  }

  /** The changelog has one partition per input partition, compacted: the latest snapshot of each series is all it keeps. */
  private async ensureChangelog(partitions: number): Promise<void> {
    const topic = this.config.changelogTopic;
    const existing = await this.admin!.listTopics();
    if (!existing.includes(topic)) {
      await createTopicsAndWait(this.admin!, [{ topic, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
      this.log.info({ event: 'changelog_created', topic, partitions }, 'state changelog topic created');
    } else if ((await this.partitionCount(topic)) !== partitions) {
      throw new Error(`changelog ${topic} must have as many partitions as ${this.config.inputTopic} (${partitions}); delete it to have it rebuilt`);
    }
  }
}

function push(outputs: TopicOutputs, topic: string, message: Message): void {
  const list = outputs.get(topic);
  if (list) list.push(message);
  else outputs.set(topic, [message]);
}
