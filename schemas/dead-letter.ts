import type { Message } from 'kafkajs';
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
 * The Kafka message for a rejected input: the DeadLetter record, with the
 * reason also as a header so consumers can filter without decoding.
 */
export function deadLetterMessage(codec: AvroCodec<DeadLetter>, rejection: Rejection): Message {
  const record: DeadLetter = { ...rejection, headers: rejection.headers ?? {} };
  return {
    key: rejection.sourceTopic,
    value: codec.encode(record),
    headers: { 'fleet-reason': rejection.reason, 'fleet-source': rejection.source },
  };
}
