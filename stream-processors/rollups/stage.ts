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
 *
 * A commit's transaction is pipelined: once its outputs are built, batches
 * go on being applied while it is in flight (the next commit waits for it),
 * so the stage is not idle for the transaction's round trips, which took
 * three quarters of its time when a backlog arrived; up to
 * `maxRecordsPerCommit` input records, then a batch waits for it. Work
 * applied meanwhile is built on the in-flight work's state: when that
 * transaction fails, both are thrown away together before anything else is
 * applied or committed.
 */
import { setImmediate as yieldToIo, setTimeout as delay } from 'node:timers/promises';
import { HEARTBEAT_INTERVAL_MS, heartbeatWhile } from '../../lib/heartbeat-while';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { transactionalProducer } from '../../lib/kafka';
import { SerialSteps } from '../../lib/serial-steps';
import type { AvroCodec } from '../../schemas/avro-codec';
import type { DeadLetter, Rollup } from '../../schemas/types';
import { stoppedForGood } from '../../lib/consumer-stopped';
import { restoreState, type RestoreSource } from './changelog-restore';
import { PartitionFailures } from './partition-failures';
import { PartitionWindows, type Emission, type SeriesMeta, type WindowTiming } from './partition-windows';
import type { StageMetrics } from './stage-metrics';
import { StageRecords } from './stage-records';
import type { Invalidation } from './invalidation';
import { ensureChangelog, ensureInvalidations, partitionCount } from './stage-topics';
import { commitTransaction, type PartitionOffset, type TopicOutputs } from '../../lib/kafka-transaction';
import { InputClock } from './input-clock';
import { UncommittedWork } from './uncommitted-work';
import type { WindowLogic } from './window-logic';
import { windowStartOf } from '../../schemas/resolution';

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
  /** where windows closed and then given input go, for the corrector to recompute them */
  invalidationsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  transactionalId: string;
  /**
   * The finest stage takes the raw readings: one older than the correction
   * horizon is dead-lettered as too old. A coarser stage's inputs are finer
   * windows, each final or corrected within the horizon.
   */
  finest: boolean;
  /** How old (wall clock) a reading may be and still enter the rollups. */
  correctionHorizonMs: number;
  provisionalIntervalMs: number;
  /** How often the outputs, state and offsets of the batches consumed since the last commit are committed. */
  commitIntervalMs: number;
  /**
   * Input records a commit takes at most, give or take a batch: past that, a
   * batch waits for the transaction in flight and commits. Without a bound, a
   * lagging stage's commits grow without end (each takes what was applied
   * while the one before was in flight, and takes longer for it) until one
   * outlives the transaction timeout and the broker fences the producer: seen
   * with a backlog on two busy cores.
   */
  maxRecordsPerCommit: number;
  /** How long a restore of window state from the changelog may take before the stage fails. */
  restoreTimeoutMs: number;
  /**
   * Decodes one record. Throws an error with `retriable: true` (the schema
   * registry unreachable) to have its batch consumed again later; a record
   * that can never be decoded is `undecodable`, and dead-lettered.
   */
  decode(message: KafkaMessage): Promise<StageInput<I>>;
  rollupCodec: AvroCodec<Rollup>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  kafka: Kafka;
  logger: Logger;
  metrics: StageMetrics;
  now: () => number;
}

export class RollupStage<I, W> {
  private readonly partitions = new Map<number, PartitionWindows<I, W>>();
  private assigned = new Set<number>();
  /** Batches, ticks and restores, one at a time: they share the state and the transactional producer. */
  private readonly steps = new SerialSteps();
  private consumer: Consumer | undefined;
  private producer: ReturnType<Kafka['producer']> | undefined;
  private admin: Admin | undefined;
  private records: StageRecords | undefined;
  private readonly work = new UncommittedWork();
  /** Per input partition, the clock series are idle on (input-clock.ts). */
  private readonly inputClock = new InputClock();
  /** Partitions whose last batch could not be decoded for now: the stage is unready while there are any. */
  private readonly failing = new PartitionFailures();
  private committer: NodeJS.Timeout | undefined;
  private lastCommitAt = 0;
  /** The transaction of the last commit while it is in flight; settles (never rejects) once it is done. */
  private inFlight: Promise<void> | undefined;
  /** The last commit's transaction failed: the partitions it consumed, and why. Handled by the next step. */
  private failedCommit: { partitions: number[]; error: unknown } | undefined;
  /** Commits so far: which slice of the series' provisional rollups the next one emits. */
  private commits = 0;
  /** Each commit emits the provisional rollups of one slice of the series; a series' come round every provisional interval. */
  private readonly provisionalSlices: number;
  private running = false;
  private stopping = false;
  private halted = false;
  /** Wakes a batch waiting to be consumed again when the stage stops. */
  private readonly stopped = new AbortController();
  private readonly log: Logger;
  private fail: (error: Error) => void = () => undefined;
  /** Settles when the stage stopped working for good: its consumer stopped, or its state could not be restored in time. */
  readonly failed: Promise<Error>;

  constructor(private readonly config: StageConfig<I, W>) {
    this.log = config.logger.child({ stage: config.name });
    this.provisionalSlices = Math.max(1, Math.round(config.provisionalIntervalMs / config.commitIntervalMs));
    this.failed = new Promise((resolve) => (this.fail = resolve));
    void this.failed.then((error) => {
      this.running = false;
      this.halted = true;
      this.log.error({ event: 'stage_stopped', err: error }, 'the stage stopped working after an error it cannot retry');
    });
  }

  get ready(): boolean {
    return this.running && this.failing.partitions.length === 0;
  }

  async start(): Promise<void> {
    const { kafka, config } = { kafka: this.config.kafka, config: this.config };
    this.admin = kafka.admin();
    await this.admin.connect();
    const inputPartitions = await partitionCount(this.admin, config.inputTopic);
    await ensureChangelog(this.admin, config.changelogTopic, config.inputTopic, inputPartitions, this.log);
    await ensureInvalidations(this.admin, config.invalidationsTopic, inputPartitions, this.log);
    this.records = new StageRecords(config, await partitionCount(this.admin, config.outputTopic), await partitionCount(this.admin, config.invalidationsTopic));

    this.producer = transactionalProducer(kafka, config.transactionalId, 30_000);
    await this.producer.connect();

    this.consumer = kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: HEARTBEAT_INTERVAL_MS, readUncommitted: false });
    await this.consumer.connect();
    void stoppedForGood(this.consumer).then((error) => this.fail(error));
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const assignment = event.payload.memberAssignment[config.inputTopic] ?? [];
      void this.steps.run(() => this.reassign(assignment)).catch((error: unknown) => this.log.error({ event: 'reassign_failed', err: error }, 'restoring state failed'));
    });
    await this.consumer.subscribe({ topic: config.inputTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        // kafkajs hands over a fetch's batches one after the other without going back to the event loop's I/O: the
        // transaction in flight and the other stages' would wait for the replies behind every batch of the fetch
        await yieldToIo();
        // waiting its turn behind a commit or a restore, the member still heartbeats
        const retryInMs = await heartbeatWhile(heartbeat, () => this.steps.run(async () => {
          if (this.halted || this.stopping || !isRunning()) return undefined;
          // a failed commit seeks its partitions back: this batch may be one of those thrown away
          this.throwAwayFailedCommit();
          if (isStale() || batch.messages.length === 0) return undefined;
          const outcome = await this.processBatch(batch.partition, batch.messages, isStale);
          if (outcome !== 'applied') return outcome === 'stale' ? undefined : outcome.retryInMs;
          resolveOffset(batch.lastOffset());
          // a commit due starts before the batch returns (should the group be rebalancing, the heartbeat below waits for
          // its transaction before kafkajs rejoins); a full commit's worth waits for the transaction in flight first
          if (this.commitDue() || this.work.records >= this.config.maxRecordsPerCommit) await this.commit();
          return undefined;
        }));
        // outside the steps: commits and the other partitions' batches go on meanwhile
        if (retryInMs !== undefined) await delay(retryInMs, undefined, { signal: this.stopped.signal }).catch(() => undefined);
        await heartbeat().catch(async (error: unknown) => {
          // a rebalance: the transaction in flight commits offsets of partitions this member may lose, so it ends
          // before the member rejoins and their next owner reads the committed offsets (kafkajs has no fencing by
          // generation, KIP-447). The runner's own heartbeat between fetches is not covered.
          await this.inFlight;
          throw error;
        });
      },
    });
    this.running = true;
    this.lastCommitAt = config.now();
    // commits when no batch comes to do it: provisional rollups, and windows closed by the wall clock
    this.committer = setInterval(
      () =>
        void this.steps.run(async () => (this.commitDue() ? this.commit() : undefined)).catch((error: unknown) =>
          this.log.warn({ event: 'commit_failed', err: error }, 'timed commit failed'),
        ),
      config.commitIntervalMs,
    );
    this.log.info({ event: 'stage_started', input: config.inputTopic, output: config.outputTopic, resolution: config.resolution }, 'rollup stage started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.committer);
    // commit what is pending while still a member of the group, so the partitions' next owner resumes after it
    await this.steps
      .run(async () => {
        await this.commit();
        await this.inFlight;
      })
      .catch(() => undefined);
    await this.consumer?.disconnect();
    await this.steps.idle();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /**
   * Applies a batch to the partition's state; its outputs and offset wait for
   * the next commit. Returns how long to wait before the batch, sought back
   * to, is consumed again when it could not be decoded for now: such records
   * are not dead-lettered (and committed), only delayed. `stale` when the
   * partition was sought back meanwhile (a commit in flight failed).
   */
  private async processBatch(partition: number, messages: KafkaMessage[], isStale: () => boolean): Promise<'applied' | 'stale' | { retryInMs: number }> {
    const { config } = this;
    const first = messages[0]!.offset;
    let inputs: StageInput<I>[];
    try {
      inputs = await this.decodeAll(messages);
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true) throw error;
      // nothing of the batch has touched the state or the outputs yet
      const retryInMs = this.failing.failed(partition);
      this.consumer!.seek({ topic: config.inputTopic, partition, offset: first });
      this.log.warn({ event: 'input_retried', partition, offset: first, retryInMs, err: error }, 'input cannot be decoded for now: consuming it again');
      return { retryInMs };
    }
    if (this.failing.recovered(partition)) this.log.info({ event: 'input_recovered', partition }, 'input decodes again');
    const state = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    // the restore waited for the commit in flight, whose failure may have sought this partition back
    if (isStale()) return 'stale';
    this.work.batchStarted(partition, first);
    const newestInputAt = messages.reduce((newest, m) => Math.max(newest, Number(m.timestamp)), 0);
    this.inputClock.consumed(partition, newestInputAt, config.now());
    try {
      this.applyBatch(partition, messages, inputs, state);
    } catch (error) {
      // the state and the pending outputs took part of the batch
      this.discardUncommitted();
      throw error;
    }
    this.work.batchApplied(partition, messages[messages.length - 1]!.offset, newestInputAt, messages.length);
    return 'applied';
  }

  private async decodeAll(messages: KafkaMessage[]): Promise<StageInput<I>[]> {
    const inputs: StageInput<I>[] = [];
    for (const message of messages) inputs.push(await this.config.decode(message));
    return inputs;
  }

  private applyBatch(partition: number, messages: KafkaMessage[], inputs: StageInput<I>[], state: PartitionWindows<I, W>): void {
    const { config, work } = this;
    const records = this.records!;
    const wallNow = config.now();
    const oldest = wallNow - config.correctionHorizonMs;
    /** per series, the windows this batch invalidated: one record each, listing them */
    const invalidated = new Map<string, { meta: SeriesMeta; windowStarts: Set<number> }>();
    const invalidations: Invalidation[] = [];
    inputs.forEach((decoded, i) => {
      if (decoded.kind === 'skip') {
        config.metrics.inputs.inc({ stage: config.name, outcome: 'skipped' });
        return;
      }
      if (decoded.kind === 'undecodable') {
        config.metrics.inputs.inc({ stage: config.name, outcome: 'undecodable' });
        records.deadLetter(work.outputs, messages[i]!, partition, 'undecodable', decoded.message);
        return;
      }
      const { meta, time } = decoded;
      if (config.finest && time < oldest) {
        config.metrics.inputs.inc({ stage: config.name, outcome: 'too_old' });
        const text = `${meta.path} at ${new Date(time).toISOString()}: older than the correction horizon (${new Date(oldest).toISOString()}); stored raw, in no rollup`;
        records.deadLetter(work.outputs, messages[i]!, partition, 'too_old', text);
        invalidations.push({ type: 'too_old', path: meta.path, time });
        return;
      }
      const outcome = state.add(meta, time, decoded.progress, decoded.input, Number(messages[i]!.timestamp));
      config.metrics.inputs.inc({ stage: config.name, outcome });
      if (outcome !== 'late') return;
      const series = invalidated.get(meta.path) ?? { meta, windowStarts: new Set<number>() };
      invalidated.set(meta.path, series);
      series.windowStarts.add(windowStartOf(time, config.timing.sizeMs));
    });
    for (const [path, { meta, windowStarts }] of invalidated) {
      invalidations.push({ type: 'window', meta, resolution: config.resolution, windowStarts: [...windowStarts], closedThrough: state.closedThrough(path) });
    }
    records.invalidations(work.outputs, invalidations);
    this.emit(work.outputs, state, partition);
  }

  /**
   * One transaction: the pending outputs, the final rollups of windows the
   * wall clock closed where series went quiet, one slice of the
   * provisional rollups, the state the partitions changed since the last
   * commit, and the offsets consumed.
   *
   * Provisional rollups go out a slice of the series per commit, so each
   * series gets one every provisional interval, and the sinks downstream
   * take them as a steady flow rather than all at once: at 5,000 readings/s,
   * emitting them all every 2 s put a spike of about 400 ms into the latency
   * of the raw readings every 2 s.
   *
   * The transaction goes on in the background (`inFlight`); the next commit
   * waits for it. When it fails for good, everything since the commit before
   * it is thrown away by the next step (throwAwayFailedCommit): the
   * partitions consumed are sought back, and every partition's state is
   * restored from the changelog before its next batch.
   */
  private async commit(): Promise<void> {
    const { config } = this;
    await this.inFlightDone();
    const { outputs, consumed, newestInputAt } = this.work.take();
    const wallNow = config.now();
    this.lastCommitAt = wallNow;
    const slice = this.commits++ % this.provisionalSlices;
    for (const [partition, state] of this.partitions) {
      if (this.running) {
        this.emit(outputs, state, partition);
        this.emitRollups(outputs, state.provisional(slice, this.provisionalSlices));
      }
      this.records!.changelog(outputs, partition, state.takeChanged());
    }
    this.observe();
    this.inFlight = this.transact(outputs, consumed)
      .then(
        () => {
          this.work.committed(consumed);
          if (newestInputAt !== undefined) config.metrics.inputDelay.observe({ stage: config.name }, Math.max(0, config.now() - newestInputAt) / 1000);
        },
        (error: unknown) => {
          this.log.error({ event: 'commit_failed', partitions: consumed.map((c) => c.partition), err: error }, 'commit failed: consuming again from the last committed offsets');
          config.metrics.commitsFailed.inc({ stage: config.name });
          this.failedCommit = { partitions: consumed.map((c) => c.partition), error };
        },
      )
      // only one is in flight: the next commit waits for this one first
      .finally(() => (this.inFlight = undefined));
  }

  /** Due once the commit interval has passed since the last one, and that one's transaction is done. */
  private commitDue(): boolean {
    return this.inFlight === undefined && this.config.now() - this.lastCommitAt >= this.config.commitIntervalMs;
  }

  /** Waits for the transaction in flight, then throws its work away if it failed (throwAwayFailedCommit). */
  private async inFlightDone(): Promise<void> {
    await this.inFlight;
    this.throwAwayFailedCommit();
  }

  /**
   * When the last commit's transaction failed: throws away its work and
   * everything applied since (built on its state), and throws its error when
   * it cannot be retried, which stops the consumer. Steps call this before
   * they apply or commit anything.
   */
  private throwAwayFailedCommit(): void {
    const failed = this.failedCommit;
    if (failed === undefined) return;
    this.failedCommit = undefined;
    this.discardUncommitted([...new Set([...failed.partitions, ...this.work.partitions])]);
    if ((failed.error as { retriable?: boolean }).retriable !== true) throw failed.error;
  }

  /**
   * Throws away everything since the last commit: pending outputs, the state
   * (every partition's is restored from the changelog before its next batch),
   * and the consumed position of `partitions` (sought back to their last
   * committed offsets, where still assigned).
   */
  private discardUncommitted(partitions?: number[]): void {
    for (const { partition, offset } of this.work.discard(partitions)) {
      if (this.assigned.has(partition)) this.consumer!.seek({ topic: this.config.inputTopic, partition, offset });
    }
    this.partitions.clear();
    this.inputClock.clear();
  }

  /** The finals of the windows `state` closed, and the invalidations of those among them to recompute. */
  private emit(outputs: TopicOutputs, state: PartitionWindows<I, W>, partition: number): void {
    const { config } = this;
    const wallNow = config.now();
    this.emitRollups(outputs, state.advance(wallNow, this.inputClock.now(partition, wallNow)));
    const recompute = state.takeRecompute();
    this.records!.invalidations(
      outputs,
      recompute.map((e) => ({ type: 'window', meta: e.meta, resolution: config.resolution, windowStarts: [e.windowStart], closedThrough: state.closedThrough(e.meta.path) })),
    );
  }

  private emitRollups(outputs: TopicOutputs, emissions: Emission[]): void {
    this.records!.rollups(outputs, emissions);
    for (const e of emissions) this.config.metrics.emitted.inc({ stage: this.config.name, final: String(e.final) });
  }

  private async transact(outputs: TopicOutputs, consumed: PartitionOffset[] = []): Promise<void> {
    const { config } = this;
    const timer = config.metrics.transaction.startTimer({ stage: config.name });
    try {
      await commitTransaction({ producer: this.producer!, groupId: config.groupId, inputTopic: config.inputTopic, log: this.log }, outputs, consumed);
    } finally {
      timer();
    }
  }

  private async reassign(assignment: number[]): Promise<void> {
    // work a failed commit threw away is consumed again by whoever owns its partitions now; its error was logged
    // when it failed, and the consumer that rejoined goes on
    await this.inFlightDone().catch(() => undefined);
    this.assigned = new Set(assignment);
    if (this.work.partitions.length > 0) {
      // the group rebalanced before those batches were committed; a partition that moved is consumed from its
      // committed offset by its new owner already, so committing them now would produce their outputs twice
      this.log.warn({ event: 'uncommitted_discarded', partitions: this.work.partitions }, 'rebalanced before a commit: consuming those batches again');
      this.discardUncommitted();
    }
    this.work.retain(this.assigned);
    this.failing.retain(this.assigned);
    for (const partition of [...this.partitions.keys()]) if (!this.assigned.has(partition)) this.partitions.delete(partition);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.log.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  /** Rebuilds the state of `partitions` from the changelog; a restore past its deadline fails the stage. */
  private async restore(partitions: number[]): Promise<Map<number, PartitionWindows<I, W>>> {
    const { config } = this;
    // the restore's markers take the transactional producer; a failed commit's work goes before the state is rebuilt
    await this.inFlightDone();
    let restored: Map<number, PartitionWindows<I, W>>;
    try {
      restored = await restoreState(this.restoreSource(), partitions, () => new PartitionWindows<I, W>(config.logic, config.timing, config.now()));
    } catch (error) {
      if ((error as { code?: string }).code === 'STATE_RESTORE_TIMEOUT') this.fail(error as Error);
      throw error;
    }
    for (const [partition, state] of restored) {
      this.partitions.set(partition, state);
      config.metrics.restores.inc({ stage: config.name });
    }
    this.log.info({ event: 'state_restored', partitions, series: [...restored.values()].reduce((n, s) => n + s.seriesCount, 0) }, 'window state restored from the changelog');
    return restored;
  }

  private restoreSource(): RestoreSource {
    const { config } = this;
    return {
      kafka: config.kafka,
      admin: this.admin!,
      changelogTopic: config.changelogTopic,
      groupId: config.groupId,
      stage: config.name,
      timeoutMs: config.restoreTimeoutMs,
      writeMarkers: async (marker, partitions) => {
        const outputs: TopicOutputs = new Map();
        this.records!.restoreMarkers(outputs, marker, partitions);
        await this.transact(outputs);
      },
    };
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
}
