/**
 * The Kafka records a stage writes: rollups (to its output topic, partitioned
 * by series path as the sinks and the next stage expect), its state changelog
 * (partition for partition with its input), and dead letters. Pure: it builds
 * messages and collects them per topic; the stage sends them in a transaction.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import type { AvroCodec } from '../../schemas/avro-codec';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { DeadLetter, Rollup } from '../../schemas/types';
import { partitionForPath } from './key-partition';
import type { Emission, StateChanges } from './partition-windows';
import { invalidationMessage, type Invalidation } from './invalidation';
import { changelogRecords } from './state-changelog';
import { revisionOf } from './window-aggregate';

export interface StageRecordsConfig {
  /** the stage's name, the source of its dead letters */
  name: string;
  resolution: string;
  inputTopic: string;
  outputTopic: string;
  changelogTopic: string;
  invalidationsTopic: string;
  deadLetterTopic: string;
  rollupCodec: AvroCodec<Rollup>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  now: () => number;
}

export class StageRecords {
  constructor(
    private readonly config: StageRecordsConfig,
    /** partitions of the output topic */
    private readonly outputPartitions: number,
    /** partitions of the invalidations topic */
    private readonly invalidationPartitions: number,
  ) {}

  /** Rollups of `emissions`, keyed `path@windowStart` so a compacted topic keeps a window's newest revision. */
  rollups(outputs: TopicOutputs, emissions: readonly Emission[]): void {
    const { config } = this;
    const computedAt = config.now();
    const messages = emissions.map((e): Message => {
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
      return { key: `${e.meta.path}@${e.windowStart}`, value: config.rollupCodec.encode(rollup), partition: partitionForPath(config.outputTopic, e.meta.path, this.outputPartitions) };
    });
    pushOutputs(outputs, config.outputTopic, messages);
  }

  /** The changelog records of what an input partition's state changed, to the same partition of the changelog. */
  changelog(outputs: TopicOutputs, partition: number, changes: StateChanges): void {
    pushOutputs(outputs, this.config.changelogTopic, changelogRecords(changes).map((record) => ({ ...record, partition })));
  }

  /** Windows for the corrector to recompute, readings for it to record as too old. */
  invalidations(outputs: TopicOutputs, invalidations: readonly Invalidation[]): void {
    const { invalidationsTopic } = this.config;
    pushOutputs(outputs, invalidationsTopic, invalidations.map((i) => invalidationMessage(i, invalidationsTopic, this.invalidationPartitions)));
  }

  /** Restore markers (value null), one per partition: see changelog-restore.ts. */
  restoreMarkers(outputs: TopicOutputs, marker: string, partitions: readonly number[]): void {
    pushOutputs(outputs, this.config.changelogTopic, partitions.map((partition) => ({ key: marker, value: null, partition })));
  }

  /** An input record rejected, with its original bytes and where it was read. */
  deadLetter(outputs: TopicOutputs, message: KafkaMessage, partition: number, reason: Extract<DeadLetterReason, 'too_old' | 'undecodable'>, text: string): void {
    const { config } = this;
    pushOutputs(outputs, config.deadLetterTopic, [
      deadLetterMessage(config.deadLetterCodec, {
        source: config.name,
        reason,
        message: text,
        payload: message.value ?? Buffer.alloc(0),
        sourceTopic: config.inputTopic,
        headers: { partition: String(partition), offset: message.offset },
        time: config.now(),
      }),
    ]);
  }
}
