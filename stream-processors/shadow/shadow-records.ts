/**
 * The Kafka records of what the shadow processor did: the shadow's new state
 * (to the partition of the shadows topic that matches the input partition,
 * so that a restore of partition p reads exactly the devices of input
 * partition p), the messages for the device, the API's answers, dead letters
 * and restore markers. Builds messages only; the processor sends them in one
 * transaction with the consumed offsets.
 */
import type { KafkaMessage } from 'kafkajs';
import { pushOutputs, type TopicOutputs } from '../../lib/kafka-transaction';
import { markerKey } from '../../lib/read-to-markers';
import type { AvroCodec } from '../../schemas/avro-codec';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { ShadowOperation } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import type { DeadLetter, DownlinkMessage, ShadowResult, ShadowState } from '../../schemas/types';
import { documentOf, type Shadow } from './shadow-document';
import type { Downlink, ShadowAnswer } from './shadow-step';

/** Keys of restore markers in the shadows topic (`<this><partition>`): no device key starts with NUL. */
export const SHADOW_RESTORE_MARKER = '\u0000restore:';

export interface ShadowCodecs {
  state: AvroCodec<ShadowState>;
  downlink: AvroCodec<DownlinkMessage>;
  result: AvroCodec<ShadowResult>;
  deadLetter: AvroCodec<DeadLetter>;
}

export interface ShadowTopics {
  shadowsTopic: string;
  downlinkTopic: string;
  resultsTopic: string;
  deadLetterTopic: string;
}

export class ShadowRecords {
  constructor(
    private readonly topics: ShadowTopics,
    private readonly codecs: ShadowCodecs,
  ) {}

  state(outputs: TopicOutputs, partition: number, device: DeviceAddress, key: string, shadow: Shadow, now: number): void {
    const record: ShadowState = { ...device, version: shadow.version, deleted: !shadow.exists, document: JSON.stringify(documentOf(shadow)), updatedAt: now };
    pushOutputs(outputs, this.topics.shadowsTopic, [{ key, value: this.codecs.state.encode(record), partition }]);
  }

  downlinks(outputs: TopicOutputs, device: DeviceAddress, key: string, downlinks: readonly Downlink[], now: number): void {
    pushOutputs(
      outputs,
      this.topics.downlinkTopic,
      downlinks.map((d) => {
        const message: DownlinkMessage = { ...device, subtopic: d.subtopic, payload: d.payload, retain: d.retain, qos: 1, expiresAt: null, origin: 'shadow', createdAt: now };
        return { key, value: this.codecs.downlink.encode(message) };
      }),
    );
  }

  result(outputs: TopicOutputs, device: DeviceAddress, key: string, requestId: string, operation: ShadowOperation, answer: ShadowAnswer, now: number): void {
    const record: ShadowResult = { requestId, ...device, operation, ...answer, processedAt: now };
    pushOutputs(outputs, this.topics.resultsTopic, [{ key, value: this.codecs.result.encode(record) }]);
  }

  deadLetter(outputs: TopicOutputs, source: { topic: string; partition: number; message: KafkaMessage }, reason: DeadLetterReason, text: string, now: number): void {
    pushOutputs(outputs, this.topics.deadLetterTopic, [
      deadLetterMessage(this.codecs.deadLetter, {
        source: 'shadow',
        reason,
        message: text,
        payload: source.message.value ?? Buffer.alloc(0),
        sourceTopic: source.topic,
        headers: { partition: String(source.partition), offset: source.message.offset },
        time: now,
      }),
    ]);
  }

  /** Restore markers, one per partition, the read's id as their value: see lib/read-to-markers.ts. */
  markers(outputs: TopicOutputs, id: string, partitions: readonly number[]): void {
    pushOutputs(outputs, this.topics.shadowsTopic, partitions.map((partition) => ({ key: markerKey(SHADOW_RESTORE_MARKER, partition), value: id, partition })));
  }
}
