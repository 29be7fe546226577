/**
 * The corrector: makes the rollups of windows that took input after they
 * closed exact again, the way TimescaleDB's continuous aggregates use their
 * invalidation log. The stages write each such window to the invalidations
 * topic (in the transaction that took the input); the corrector reads them,
 * waits until the timescale-sink has stored every raw reading consumed so far
 * (its consumer group has committed past the measurements' high watermarks
 * taken when the batch arrived), recomputes each window from the stored raw
 * readings (stored-windows.ts), and emits the result as the window's final
 * rollup with a correction revision, on the same rollup topic. The next
 * stage takes it as it takes any final: merged into its open window, or, if
 * that window closed too, invalidated in turn, so 1h and 1d follow.
 *
 * A correction's revision is `correctionRevision(offset)` of the newest
 * invalidation it answers: above every revision a stage gives a final, and
 * growing with the invalidations of the series (one partition, in order),
 * so a later recomputation, which sees at least the readings an earlier one
 * saw, always wins. Exactly once: the corrections and the consumed offsets
 * go in one Kafka transaction; after a crash the batch is recomputed, with
 * the same revisions, and the aborted records were never visible.
 *
 * Energy: a late reading also changes the increment of the reading after it,
 * which may be in a later closed window: the finest resolution recomputes
 * that window too (the one holding the series' first stored reading after
 * the invalidated window, when the stage had closed it).
 *
 * Readings older than the correction horizon come as `too_old`: recorded in
 * `too_old_readings`, where the query API finds what its rollup answers lack.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Admin, Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import type { Logger } from '../../lib/logger';
import { transactionalProducer } from '../../lib/kafka';
import { heartbeatFindsRebalance, stoppedForGood } from '../../lib/consumer-stopped';
import type { AvroCodec } from '../../schemas/avro-codec';
import { resolutionMs, windowStartOf } from '../../schemas/resolution';
import type { Rollup } from '../../schemas/types';
import type { Registry } from 'prom-client';
import { createCorrectorMetrics, type CorrectorMetrics } from './corrector-metrics';
import { parseInvalidation, type Invalidation } from './invalidation';
import { partitionForPath } from './key-partition';
import { commitTransaction, pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import { nextStoredReadingTimes, summarizeStoredWindows, type WindowRequest } from './stored-windows';
import { recordTooOld } from './too-old-store';
import { correctionRevision, type RollupValues } from './window-aggregate';
import type { SeriesMeta } from './partition-windows';

export interface CorrectorConfig {
  invalidationsTopic: string;
  measurementsTopic: string;
  /** the timescale-sink's consumer group on the measurements */
  rawStoreGroup: string;
  groupId: string;
  transactionalId: string;
  /** resolutions, finest first, and each one's rollup topic and codec */
  outputs: { resolution: string; topic: string; codec: AvroCodec<Rollup> }[];
  pool: Pool;
  /** quoted, qualified */
  measurementsTable: string;
  tooOldTable: string;
  kafka: Kafka;
  logger: Logger;
  registry: Registry;
  now: () => number;
}

/** A window to recompute, and the offset of the newest invalidation asking for it. */
interface Pending {
  meta: SeriesMeta;
  resolution: string;
  windowStart: number;
  closedThrough: number;
  offset: number;
}

/** Between two looks at the raw store's progress, and between two tries of a failed batch. */
const POLL_MS = 200;
const RETRY_MAX_MS = 10_000;
/** How long a wait for the raw store or a failing database goes before each warning. */
const WARN_EVERY_MS = 30_000;
/**
 * Windows recomputed per SQL statement. The corrector shares its event loop
 * with the rollup stages, and a batch of invalidations can name tens of
 * thousands of windows: recomputed in one statement, building their rollups
 * was most of stretches of up to 5.5 s the loop never left in a late-backlog
 * run (a sampled profile, the machine saturated), and every stage's
 * transaction waited behind them.
 */
const WINDOWS_PER_STATEMENT = 2_000;

export class Corrector {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly stopped = new AbortController();
  private running = false;
  private readonly log: Logger;
  private readonly outputPartitions = new Map<string, number>();
  /** per partition: the timestamp of its oldest invalidation not yet corrected */
  private readonly oldestPending = new Map<number, number>();
  /**
   * Invalidations written at or before this (wall clock; the stages write them
   * from this process) need no wait: the raw store had caught up with the
   * measurements' high watermarks taken then. A backlog's many batches
   * share one wait.
   */
  private rawStoredBefore = -Infinity;
  private readonly metrics: CorrectorMetrics;
  private fail: (error: Error) => void = () => undefined;
  readonly failed: Promise<Error>;

  constructor(private readonly config: CorrectorConfig) {
    this.log = config.logger.child({ stage: 'rollups-corrections' });
    this.failed = new Promise((resolve) => (this.fail = resolve));
    this.metrics = createCorrectorMetrics(config.registry, () =>
      this.oldestPending.size === 0 ? 0 : Math.max(0, (config.now() - Math.min(...this.oldestPending.values())) / 1000),
    );
  }

  get ready(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { config } = this;
    this.admin = config.kafka.admin();
    await this.admin.connect();
    for (const { topic } of config.outputs) {
      const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
      this.outputPartitions.set(topic, metadata.topics[0]!.partitions.length);
    }
    this.producer = transactionalProducer(config.kafka, config.transactionalId, 60_000);
    await this.producer.connect();
    this.consumer = config.kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: 100, sessionTimeout: 30_000, heartbeatInterval: 1000, readUncommitted: false });
    await this.consumer.connect();
    void stoppedForGood(this.consumer).then((error) => {
      this.running = false;
      this.log.error({ event: 'corrector_stopped', err: error }, 'the corrector stopped working after an error it cannot retry');
      this.fail(error);
    });
    await this.consumer.subscribe({ topic: config.invalidationsTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.messages.length === 0 || !isRunning() || isStale()) return;
        const first = batch.messages[0]!;
        if (!this.oldestPending.has(batch.partition)) this.oldestPending.set(batch.partition, Number(first.timestamp));
        const done = await this.correctBatch(batch.partition, batch.messages, heartbeat, () => isRunning() && !isStale() && !this.stopped.signal.aborted);
        if (!done) return;
        // committed in the transaction; resolved, or the consumer fetches the batch again
        resolveOffset(batch.lastOffset());
        // caught up: nothing older is waiting; else the next batch's first record says how old
        if (batch.offsetLag() === '0') this.oldestPending.delete(batch.partition);
        else this.oldestPending.set(batch.partition, this.config.now());
      },
    });
    this.running = true;
    this.log.info({ event: 'corrector_started', input: config.invalidationsTopic, rawStoreGroup: config.rawStoreGroup }, 'corrector started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped.abort();
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /**
   * Corrects the windows of one batch and commits it. Retries (waiting, with
   * heartbeats) what fails for now; false when the batch was given up to a
   * stop or a rebalance, uncommitted, for its next owner to do.
   */
  private async correctBatch(partition: number, messages: KafkaMessage[], heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    const { config } = this;
    const { windows, tooOld } = collect(messages);
    const lastOffset = messages[messages.length - 1]!.offset;
    const writtenBy = Math.max(...messages.map((m) => Number(m.timestamp)));
    let waitMs = POLL_MS;
    let warnedAt = config.now();
    for (;;) {
      try {
        const outputs = windows.length > 0 ? await this.recompute(windows, writtenBy, heartbeat, live) : new Map<string, Message[]>();
        if (!outputs) return false;
        if (tooOld.length > 0) {
          await recordTooOld(config.pool, config.tooOldTable, tooOld).catch((error: unknown) => {
            throw databaseError(error, `recording ${tooOld.length} too old readings`);
          });
        }
        if (!live()) return false;
        await commitTransaction(
          { producer: this.producer!, groupId: config.groupId, inputTopic: config.invalidationsTopic, log: this.log },
          outputs,
          [{ partition, offset: String(Number(lastOffset) + 1) }],
        );
        for (const { resolution, topic } of config.outputs) this.metrics.corrections.inc({ resolution }, outputs.get(topic)?.length ?? 0);
        return true;
      } catch (error) {
        if (!live()) return false;
        if (config.now() - warnedAt >= WARN_EVERY_MS || waitMs === POLL_MS) {
          warnedAt = config.now();
          this.log.warn({ event: 'correction_retried', partition, offset: messages[0]!.offset, retryInMs: waitMs, err: error }, 'correcting failed for now: trying again');
        }
        if (!(await this.pause(waitMs, heartbeat))) return false;
        waitMs = Math.min(RETRY_MAX_MS, waitMs * 2);
      }
    }
  }

  /**
   * The corrected rollups of `windows`, once the raw store has everything
   * consumed before `writtenBy`; undefined when given up. A statement (and
   * the rollups built from its rows) at a time, of `WINDOWS_PER_STATEMENT`.
   */
  private async recompute(windows: Pending[], writtenBy: number, heartbeat: () => Promise<void>, live: () => boolean): Promise<TopicOutputs | undefined> {
    const { config } = this;
    if (writtenBy > this.rawStoredBefore && !(await this.rawStoreCaughtUp(heartbeat, live))) return undefined;
    const requests = [...windows, ...(await this.successors(windows))];
    const outputs: TopicOutputs = new Map();
    for (let from = 0; from < requests.length; from += WINDOWS_PER_STATEMENT) {
      const part = requests.slice(from, from + WINDOWS_PER_STATEMENT);
      const values = await summarizeStoredWindows(
        config.pool,
        config.measurementsTable,
        part.map((w): WindowRequest => ({ path: w.meta.path, kind: w.meta.kind, windowStart: w.windowStart, windowEnd: w.windowStart + resolutionMs(w.resolution) })),
      ).catch((error: unknown) => {
        throw databaseError(error, `recomputing ${part.length} windows`);
      });
      this.correctedRollups(outputs, part, values);
    }
    return outputs;
  }

  /** The corrected final rollup of each window with something stored, into `outputs`. */
  private correctedRollups(outputs: TopicOutputs, windows: Pending[], values: (RollupValues | null)[]): void {
    const { config } = this;
    const computedAt = config.now();
    windows.forEach((w, i) => {
      const summary = values[i];
      // nothing stored in the window: the reading that invalidated it was refused by the store (dead-lettered there)
      if (!summary) return;
      const output = config.outputs.find((o) => o.resolution === w.resolution)!;
      const rollup: Rollup = {
        ...w.meta,
        resolution: w.resolution,
        windowStart: w.windowStart,
        windowEnd: w.windowStart + resolutionMs(w.resolution),
        ...summary,
        final: true,
        revision: correctionRevision(w.offset),
        computedAt,
      };
      const message: Message = { key: `${w.meta.path}@${w.windowStart}`, value: output.codec.encode(rollup), partition: partitionForPath(output.topic, w.meta.path, this.outputPartitions.get(output.topic)!) };
      pushOutputs(outputs, output.topic, [message]);
    });
  }

  /**
   * The finest resolution's energy windows whose first increment a late
   * reading changed: the window of the series' first stored reading after an
   * invalidated window, where the stage had closed it and it is not already
   * recomputed.
   */
  private async successors(windows: Pending[]): Promise<Pending[]> {
    const finest = this.config.outputs[0]!.resolution;
    const sizeMs = resolutionMs(finest);
    const energy = windows.filter((w) => w.resolution === finest && w.meta.kind === 'energy');
    if (energy.length === 0) return [];
    const times = await nextStoredReadingTimes(
      this.config.pool,
      this.config.measurementsTable,
      energy.map((w) => ({ path: w.meta.path, from: w.windowStart + sizeMs })),
    ).catch((error: unknown) => {
      throw databaseError(error, `finding the readings after ${energy.length} windows`);
    });
    const known = new Set(windows.map((w) => `${w.resolution}\u0000${w.meta.path}\u0000${w.windowStart}`));
    const found: Pending[] = [];
    energy.forEach((w, i) => {
      const time = times[i];
      if (time === null || time === undefined) return;
      const windowStart = windowStartOf(time, sizeMs);
      const key = `${finest}\u0000${w.meta.path}\u0000${windowStart}`;
      // a window still open at the stage gets the late reading as its carry there
      if (windowStart + sizeMs > w.closedThrough || known.has(key)) return;
      known.add(key);
      found.push({ ...w, windowStart });
    });
    return found;
  }

  /**
   * Waits until the raw store's consumer group has committed, on every
   * partition of the measurements, at least the high watermark it has now:
   * every reading the stages had consumed when they wrote these invalidations
   * is then stored.
   */
  private async rawStoreCaughtUp(heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    const { config } = this;
    const admin = this.admin!;
    // Date.now, as the producer stamped the invalidations with, whatever clock the stages are given
    const snapshotAt = Date.now();
    const startedAt = config.now();
    const targets = await admin.fetchTopicOffsets(config.measurementsTopic);
    let warnedAt = startedAt;
    for (;;) {
      const committed = await admin.fetchOffsets({ groupId: config.rawStoreGroup, topics: [config.measurementsTopic] });
      const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      const behind = targets.filter((t) => Number(t.high) > Number(t.low) && (at.get(t.partition) ?? -1) < Number(t.high));
      if (behind.length === 0) {
        this.rawStoredBefore = Math.max(this.rawStoredBefore, snapshotAt);
        return true;
      }
      if (!live()) return false;
      if (config.now() - warnedAt >= WARN_EVERY_MS) {
        warnedAt = config.now();
        this.log.warn(
          { event: 'raw_store_behind', group: config.rawStoreGroup, partitions: behind.map((t) => t.partition), waitedMs: config.now() - startedAt },
          'corrections wait for the timescale-sink to store the readings consumed so far',
        );
      }
      if (!(await this.pause(POLL_MS, heartbeat))) return false;
    }
  }

  /** Waits `ms`, then heartbeats. False when the group is rebalancing: the batch is given up (heartbeatFindsRebalance). */
  private async pause(ms: number, heartbeat: () => Promise<void>): Promise<boolean> {
    await delay(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
    return !(await heartbeatFindsRebalance(heartbeat));
  }
}

/** The windows of a batch, once each with its newest invalidation's offset, and the too old readings. */
function collect(messages: KafkaMessage[]): { windows: Pending[]; tooOld: { path: string; time: number }[] } {
  const windows = new Map<string, Pending>();
  const tooOld: { path: string; time: number }[] = [];
  for (const message of messages) {
    const invalidation: Invalidation | undefined = parseInvalidation(message.value);
    if (!invalidation) continue;
    if (invalidation.type === 'too_old') {
      tooOld.push({ path: invalidation.path, time: invalidation.time });
      continue;
    }
    const { meta, resolution, windowStarts, closedThrough } = invalidation;
    for (const windowStart of windowStarts) {
      const key = `${resolution}\u0000${meta.path}\u0000${windowStart}`;
      const kept = windows.get(key);
      windows.set(key, { meta, resolution, windowStart, closedThrough: Math.max(closedThrough, kept?.closedThrough ?? -Infinity), offset: Number(message.offset) });
    }
  }
  return { windows: [...windows.values()], tooOld };
}
