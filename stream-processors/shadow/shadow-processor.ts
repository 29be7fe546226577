/**
 * The one writer of every device's shadow. A consumer group reads the
 * devices' shadow requests (fleet.device-messages.v1) and the API's
 * (fleet.shadow-requests.v1), both keyed by device; the co-partitioned
 * assignor gives partition p of both to one member, so one member owns a
 * device. Exactly once: the shadows a batch changed (to the compacted
 * shadows topic, partition for partition with the input), the messages for
 * the devices, the answers to the API, the dead letters and the batch's
 * offset go in one Kafka transaction; a request is applied in the
 * transaction that consumes it, or not at all. After a crash, or when a
 * partition is assigned, its shadows are read back from the shadows topic
 * before its next batch, and consumption resumes at the committed offsets.
 *
 * One transaction per batch, not per record: a batch holds what one fetch
 * brought of one partition, so a quiet device's request is answered without
 * waiting (no commit interval), and a busy partition's requests share a
 * transaction's round trips.
 */
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { FailingInputs } from '../../lib/failing-inputs';
import { transactionalProducer } from '../../lib/kafka';
import { SerialSteps } from '../../lib/serial-steps';
import { startStateProcessorConsumer, type BatchOutcome } from '../../lib/state-processor-consumer';
import { copartitionedCount, seekToCommitted } from '../../lib/processor-topics';
import { commitTransaction, type TopicOutputs } from '../../lib/kafka-transaction';
import type { Logger } from '../../lib/logger';
import { readStateBack } from '../../lib/read-to-markers';
import type { DeviceMessage, ShadowRequest, ShadowState } from '../../schemas/types';
import { PartitionShadows } from './partition-shadows';
import { shadowFromDocument } from './shadow-document';
import { deviceMessageInput, shadowRequestInput, type ProcessorInput, type ReadFrom } from './shadow-inputs';
import type { ShadowLimits } from './shadow-limits';
import type { ShadowMetrics } from './shadow-metrics';
import { SHADOW_RESTORE_MARKER, type ShadowRecords } from './shadow-records';
import { shadowStep } from './shadow-step';

export interface ShadowProcessorConfig {
  kafka: Kafka;
  logger: Logger;
  metrics: ShadowMetrics;
  now: () => number;
  limits: ShadowLimits;
  deviceMessagesTopic: string;
  requestsTopic: string;
  shadowsTopic: string;
  groupId: string;
  transactionalId: string;
  restoreTimeoutMs: number;
  records: ShadowRecords;
  decodeDeviceMessage(value: Buffer): Promise<DeviceMessage>;
  decodeShadowRequest(value: Buffer): Promise<ShadowRequest>;
  decodeState(value: Buffer): Promise<ShadowState>;
}

export class ShadowProcessor {
  private readonly partitions = new Map<number, PartitionShadows>();
  private assigned = new Set<number>();
  /** `topic:partition` whose position must be taken anew from the group's committed offset: its last transaction failed, and may have committed. */
  private readonly resync = new Set<string>();
  /** Partitions waiting to decode their input again: the processor is unready while there are any. */
  private readonly failing: FailingInputs;
  private inputPartitions = 0;
  /** Batches and restores, one at a time: they share the shadows and the transactional producer. */
  private readonly steps = new SerialSteps();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private running = false;
  private stopping = false;
  private readonly stopped = new AbortController();
  private fail: (error: Error) => void = () => undefined;
  /** Settles when the processor stopped working for good: its consumer stopped, or a restore did not finish in time. */
  readonly failed: Promise<Error>;

  constructor(private readonly config: ShadowProcessorConfig) {
    this.failing = new FailingInputs(config.logger);
    this.failed = new Promise((resolve) => (this.fail = resolve));
    void this.failed.then((error) => {
      this.running = false;
      config.logger.error({ event: 'shadow_stopped', err: error }, 'the shadow processor stopped working after an error it cannot retry');
    });
  }

  get ready(): boolean {
    return this.running && this.failing.size === 0;
  }

  async start(): Promise<void> {
    const { config } = this;
    this.admin = config.kafka.admin();
    await this.admin.connect();
    this.inputPartitions = await this.checkPartitions();
    this.producer = transactionalProducer(config.kafka, config.transactionalId, 30_000);
    await this.producer.connect();
    await startStateProcessorConsumer({
      kafka: config.kafka,
      groupId: config.groupId,
      topics: [config.deviceMessagesTopic, config.requestsTopic],
      steps: this.steps,
      stopped: this.stopped.signal,
      stopping: () => this.stopping,
      reassign: (partitions) => this.reassign(partitions),
      process: (topic, partition, messages) => this.processBatch(topic, partition, messages),
      created: (consumer) => (this.consumer = consumer),
      onStopped: (error) => this.fail(error),
      logger: config.logger,
      restoring: 'the shadows',
    });
    this.running = true;
    config.logger.info({ event: 'shadow_started', inputs: [config.deviceMessagesTopic, config.requestsTopic], shadows: config.shadowsTopic, partitions: this.inputPartitions }, 'shadow processor started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopped.abort();
    await this.consumer?.disconnect();
    await this.steps.idle();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /**
   * The inputs and the shadows topic must have as many partitions: partition p
   * of each holds the same devices, and the shadows of input partition p are
   * in partition p of the shadows topic.
   */
  private async checkPartitions(): Promise<number> {
    return copartitionedCount(this.admin!, [this.config.deviceMessagesTopic, this.config.requestsTopic, this.config.shadowsTopic], 'shadow');
  }

  /**
   * Applies a batch and commits it, with its offset, in one transaction.
   * `retry`: it could not be applied for now and is consumed again later;
   * `skip`: the partition was sought elsewhere.
   */
  private async processBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<BatchOutcome> {
    const { config } = this;
    const shadows = this.partitions.get(partition) ?? (await this.restore([partition])).get(partition)!;
    const where = `${topic}:${partition}`;
    if (this.resync.delete(where)) {
      await this.seekToCommitted(topic, partition);
      return 'skip';
    }
    const inputs = await this.failing.decode(this.consumer!, topic, partition, messages, () => this.decodeAll(topic, partition, messages));
    if (inputs === undefined) return 'retry';

    const outputs: TopicOutputs = new Map();
    const now = config.now();
    inputs.forEach((input, i) => this.apply(outputs, shadows, { topic, partition, message: messages[i]! }, input, now));
    const next = (BigInt(messages[messages.length - 1]!.offset) + 1n).toString();
    const timer = config.metrics.transaction.startTimer();
    try {
      await commitTransaction({ producer: this.producer!, groupId: config.groupId, inputTopic: topic, log: config.logger }, outputs, [{ partition, offset: next }]);
    } catch (error) {
      shadows.discard();
      config.metrics.transactionsFailed.inc();
      // the commit may have gone through before it failed: read the shadows back, resume from the committed offset
      this.partitions.delete(partition);
      this.resync.add(where);
      config.logger.error({ event: 'transaction_failed', topic, partition, err: error }, 'transaction failed: consuming again from the committed offset');
      if ((error as { retriable?: boolean }).retriable === false) throw error;
      return 'retry';
    } finally {
      timer();
    }
    shadows.commit();
    config.metrics.devices.set([...this.partitions.values()].reduce((n, p) => n + p.size, 0));
    return 'done';
  }

  private async decodeAll(topic: string, partition: number, messages: KafkaMessage[]): Promise<ProcessorInput[]> {
    const from: ReadFrom = { partition, partitions: this.inputPartitions };
    const inputs: ProcessorInput[] = [];
    for (const message of messages) {
      try {
        const value = message.value ?? Buffer.alloc(0);
        inputs.push(topic === this.config.requestsTopic ? shadowRequestInput(await this.config.decodeShadowRequest(value), from) : deviceMessageInput(await this.config.decodeDeviceMessage(value), from));
      } catch (error) {
        if ((error as { retriable?: boolean }).retriable === true) throw error;
        inputs.push({ kind: 'rejected', reason: 'undecodable', message: (error as Error).message });
      }
    }
    return inputs;
  }

  private apply(outputs: TopicOutputs, shadows: PartitionShadows, source: { topic: string; partition: number; message: KafkaMessage }, input: ProcessorInput, now: number): void {
    const { records, metrics, limits } = this.config;
    if (input.kind === 'skip') {
      metrics.requests.inc({ from: 'device', operation: 'none', outcome: 'skipped' });
      return;
    }
    if (input.kind === 'rejected') {
      metrics.requests.inc({ from: source.topic === this.config.requestsTopic ? 'api' : 'device', operation: 'none', outcome: 'dead_lettered' });
      records.deadLetter(outputs, source, input.reason, input.message, now);
      return;
    }
    const { device, key } = input;
    const step = shadowStep(shadows.get(key), input.input, now, limits);
    if (step.changed) {
      shadows.stage(key, step.changed);
      records.state(outputs, source.partition, device, key, step.changed, now);
    }
    records.downlinks(outputs, device, key, step.downlinks, now);
    if (input.requestId !== undefined) records.result(outputs, device, key, input.requestId, input.input.operation, step.answer, now);
    if (step.deadLetter) records.deadLetter(outputs, source, step.deadLetter.reason, step.deadLetter.message, now);
    metrics.requests.inc({ from: input.input.from, operation: input.input.operation, outcome: step.answer.accepted ? 'accepted' : 'rejected' });
    for (const d of step.downlinks) if (d.retain) metrics.deltas.inc({ cleared: String(d.payload.length === 0) });
  }

  private async seekToCommitted(topic: string, partition: number): Promise<void> {
    await seekToCommitted(this.admin!, this.consumer!, this.config.groupId, topic, partition, this.config.logger);
  }

  private async reassign(assignment: number[]): Promise<void> {
    this.assigned = new Set(assignment);
    for (const partition of [...this.partitions.keys()]) if (!this.assigned.has(partition)) this.partitions.delete(partition);
    this.failing.keepAssigned(this.assigned);
    const missing = assignment.filter((p) => !this.partitions.has(p));
    if (missing.length > 0) await this.restore(missing);
    this.config.logger.info({ event: 'partitions_assigned', partitions: assignment }, 'partitions assigned');
  }

  /** Reads the shadows of `partitions` back from the shadows topic; past the restore timeout the processor fails. */
  private async restore(partitions: number[]): Promise<Map<number, PartitionShadows>> {
    const { config } = this;
    const restored = new Map(partitions.map((p) => [p, new PartitionShadows()]));
    let unreadable = 0;
    await readStateBack(
      {
        kafka: config.kafka,
        admin: this.admin!,
        producer: this.producer!,
        topic: config.shadowsTopic,
        groupId: config.groupId,
        markerPrefix: SHADOW_RESTORE_MARKER,
        timeoutMs: config.restoreTimeoutMs,
        log: config.logger,
        component: 'shadow',
        timeoutVariable: 'SHADOW_RESTORE_TIMEOUT',
        markers: (outputs, id, markerPartitions) => config.records.markers(outputs, id, markerPartitions),
        onTimeout: (error) => this.fail(error),
      },
      partitions,
      async (partition, key, value) => {
        const shadows = restored.get(partition)!;
        // the processor writes no tombstones; one written by hand removes the device's shadow
        if (value === null) return shadows.restore(key, undefined);
        try {
          const state = await config.decodeState(value);
          shadows.restore(key, shadowFromDocument(JSON.parse(state.document), state.deleted));
        } catch (error) {
          if ((error as { retriable?: boolean }).retriable === true) throw error;
          // one record that does not read must not stop every device of the partition; its device starts again from version 0
          unreadable++;
          config.logger.error({ event: 'shadow_unreadable', partition, device: key, err: error }, 'a stored shadow does not read; its device starts afresh');
        }
      },
    );
    for (const [partition, shadows] of restored) {
      this.partitions.set(partition, shadows);
      config.metrics.restores.inc();
    }
    config.logger.info({ event: 'shadows_restored', partitions, devices: [...restored.values()].reduce((n, s) => n + s.size, 0), unreadable }, 'shadows read back from the shadows topic');
    return restored;
  }
}
