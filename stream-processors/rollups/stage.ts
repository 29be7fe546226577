/**
 * One rollup stage on Kafka: consumes an input topic (measurements, or the
 * finer rollups), keeps window state per input partition, and produces
 * rollups. Exactly once: every batch's outputs, the changed window state (to a
 * compacted changelog topic, partition for partition) and the consumed offsets
 * go in one Kafka transaction. After a crash, state is restored from the
 * changelog and consumption resumes at the committed offsets, so the result
 * equals a run without the crash.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { producerDefaults } from '../../lib/kafka';
import type { AvroCodec } from '../../schemas/avro-codec';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetter, Rollup } from '../../schemas/types';
import { partitionForPath } from './key-partition';
import { PartitionWindows, type Emission, type PartitionSnapshot, type SeriesMeta, type SeriesSnapshot, type WindowTiming } from './partition-windows';
import { chunkTopicMessages } from './send-chunks';
import type { StageMetrics } from './stage-metrics';
import { revisionOf } from './window-aggregate';
import type { WindowLogic } from './window-logic';
import { createTopicsAndWait } from '../../lib/create-topics';

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
  decode(message: KafkaMessage): Promise<StageInput<I>>;
  rollupCodec: AvroCodec<Rollup>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  kafka: Kafka;
  logger: Logger;
  metrics: StageMetrics;
  now: () => number;
}

const PARTITION_KEY = '\u0000partition';
const RESTORE_MARKER = '\u0000restore:';

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
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private readonly log: Logger;

  constructor(private readonly config: StageConfig<I, W>) {
    this.log = config.logger.child({ stage: config.name });
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
    // kafkajs restarts a consumer after a retriable error only; after any other this stage consumes nothing more
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) return;
      this.running = false;
      this.log.error({ event: 'stage_stopped', err: event.payload.error }, 'the stage stopped consuming after an error it cannot retry; restart the process');
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
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          await this.processBatch(batch.partition, batch.messages);
          resolveOffset(batch.lastOffset());
        });
        await heartbeat();
      },
    });
    this.running = true;
    this.ticker = setInterval(() => void this.serial(() => this.tick()).catch((error: unknown) => this.log.warn({ event: 'tick_failed', err: error }, 'provisional/idle tick failed')), config.provisionalIntervalMs);
    this.log.info({ event: 'stage_started', input: config.inputTopic, output: config.outputTopic, resolution: config.resolution }, 'rollup stage started');
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.ticker);
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

  private async processBatch(partition: number, messages: KafkaMessage[]): Promise<void> {
    const { config } = this;
    const state = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    const outputs: TopicOutputs = new Map();
    const wallNow = config.now();
    try {
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
      this.addChangelog(outputs, partition, state);
      const last = messages[messages.length - 1]!;
      await this.transact(outputs, { partition, offset: (BigInt(last.offset) + 1n).toString() });
    } catch (error) {
      // the state took inputs the transaction did not commit: rebuild it from the changelog on the retry
      this.partitions.delete(partition);
      throw error;
    }
    this.observe();
  }

  /** Closes windows by the wall clock where partitions went quiet, and emits provisional rollups. */
  private async tick(): Promise<void> {
    if (!this.running) return;
    const outputs: TopicOutputs = new Map();
    const wallNow = this.config.now();
    for (const [partition, state] of this.partitions) {
      this.addRollups(outputs, state.advance(wallNow));
      this.addRollups(outputs, state.provisional());
      this.addChangelog(outputs, partition, state);
    }
    try {
      await this.transact(outputs);
    } catch (error) {
      for (const partition of [...this.partitions.keys()]) this.partitions.delete(partition);
      throw error;
    }
    this.observe();
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
    const changed = state.takeChanged();
    if (changed.series.length === 0) return;
    const topic = this.config.changelogTopic;
    push(outputs, topic, { key: PARTITION_KEY, value: JSON.stringify(changed.partition), partition });
    for (const [path, snapshot] of changed.series) push(outputs, topic, { key: path, value: snapshot ? JSON.stringify(snapshot) : null, partition });
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
  private async transact(outputs: TopicOutputs, consumed?: { partition: number; offset: string }): Promise<void> {
    if (outputs.size === 0 && !consumed) return;
    const { config } = this;
    const sends = chunkTopicMessages([...outputs].map(([topic, messages]) => ({ topic, messages })), maxSendBytes);
    const timer = config.metrics.transaction.startTimer({ stage: config.name });
    try {
      for (let attempt = 1; ; attempt++) {
        const tx = await this.producer!.transaction();
        try {
          for (const topicMessages of sends) await tx.sendBatch({ acks: -1, topicMessages });
          if (consumed) await tx.sendOffsets({ consumerGroupId: config.groupId, topics: [{ topic: config.inputTopic, partitions: [consumed] }] });
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
    const restored = new Map(partitions.map((p) => [p, new PartitionWindows<I, W>(config.logic, config.timing, config.now())]));
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
                const state = restored.get(partition);
                if (!state || !pending.has(partition)) return;
                const key = message.key?.toString() ?? '';
                if (key === marker) {
                  pending.delete(partition);
                  if (pending.size === 0) resolve();
                } else if (key === PARTITION_KEY && message.value) {
                  state.restorePartition(JSON.parse(message.value.toString()) as PartitionSnapshot);
                } else if (!key.startsWith(RESTORE_MARKER) && key !== PARTITION_KEY) {
                  // a tombstone: the series had nothing left to keep
                  if (message.value) state.restoreSeries(JSON.parse(message.value.toString()) as SeriesSnapshot);
                  else state.forgetSeries(key);
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
    for (const [partition, state] of restored) {
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
