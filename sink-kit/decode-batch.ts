import type { Batch, KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '../schemas/avro-codec';
import type { DeadLetterReason } from '../schemas/dead-letter-reason';
import { isUndecodable, type DeadLetterWriter } from './dead-letter-writer';
import type { SinkMetrics } from './sink-metrics';

export interface RejectedRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: DeadLetterReason;
  error: Error;
}

/** A Kafka record and its decoded value. */
export interface DecodedRecord<T> {
  message: KafkaMessage;
  value: T;
}

/**
 * A sink's Kafka batch decoded: the records with their values, and the records
 * that can never be decoded (for the dead-letter topic). Tombstones of compacted
 * rollup topics are skipped; any other error (the registry unreachable) throws,
 * so the batch is retried.
 */
export async function decodeBatch<T>(batch: Batch, codec: AvroCodec<T>): Promise<{ records: DecodedRecord<T>[]; rejected: RejectedRecord[] }> {
  const records: DecodedRecord<T>[] = [];
  const rejected: RejectedRecord[] = [];
  for (const message of batch.messages) {
    if (!message.value) continue;
    try {
      records.push({ message, value: await codec.decode(message.value) });
    } catch (error) {
      if (!isUndecodable(error)) throw error;
      rejected.push({ topic: batch.topic, partition: batch.partition, message, reason: 'undecodable', error: error as Error });
    }
  }
  return { records, rejected };
}

/** Dead-letters the rejected records and counts them by reason; call after the batch's values are written. */
export async function sendRejected(rejected: RejectedRecord[], deadLetters: DeadLetterWriter, metrics: Pick<SinkMetrics, 'deadLettered'>): Promise<void> {
  await deadLetters.send(rejected);
  for (const record of rejected) metrics.deadLettered.inc({ reason: record.reason });
}
