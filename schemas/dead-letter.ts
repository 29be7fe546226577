import type { KafkaMessage, Message } from 'kafkajs';
import { maxRecordBatchBytes } from '../lib/kafka';
import type { AvroCodec } from './avro-codec';
import type { DeadLetterReason } from './dead-letter-reason';
import type { DeadLetter } from './types';

export interface Rejection {
  /** the component that rejected it */
  source: string;
  reason: DeadLetterReason;
  message: string;
  /** the original bytes, unchanged */
  payload: Buffer;
  sourceTopic: string | null;
  headers?: Record<string, string>;
  time: number;
}

/**
 * The most of a rejected payload a dead letter keeps: what fits in one Kafka
 * record. A payload larger than that (MQTT allows 256 MB) keeps its first
 * bytes, and the message says so.
 */
export const maxDeadLetterPayloadBytes = maxRecordBatchBytes;

/** A consumed Kafka record rejected: its bytes, and where it was read (topic, partition, offset, key) in the headers. */
export function consumedRecordRejection(
  source: string,
  reason: DeadLetterReason,
  text: string,
  read: { topic: string; partition: number; message: KafkaMessage },
  time: number,
): Rejection {
  const { topic, partition, message } = read;
  return {
    source,
    reason,
    message: text,
    payload: message.value ?? Buffer.alloc(0),
    sourceTopic: topic,
    headers: { partition: String(partition), offset: message.offset, ...(message.key ? { key: message.key.toString('utf8') } : {}) },
    time,
  };
}

/**
 * The Kafka message for a rejected input: the DeadLetter record, with the
 * reason also as a header so consumers can filter without decoding.
 */
export function deadLetterMessage(codec: AvroCodec<DeadLetter>, rejection: Rejection): Message {
  const { payload } = rejection;
  const cut = payload.length > maxDeadLetterPayloadBytes;
  const record: DeadLetter = {
    ...rejection,
    payload: cut ? payload.subarray(0, maxDeadLetterPayloadBytes) : payload,
    message: cut ? `${rejection.message} (payload cut to its first ${maxDeadLetterPayloadBytes} of ${payload.length} bytes)` : rejection.message,
    headers: rejection.headers ?? {},
  };
  return {
    key: rejection.sourceTopic,
    value: codec.encode(record),
    headers: { 'fleet-reason': rejection.reason, 'fleet-source': rejection.source },
  };
}
