import type { Batch } from 'kafkajs';
import { FleetstreamError } from '../lib/errors';
import type { AvroCodec } from '../schemas/avro-codec';
import { decodeBatch, type DecodedRecord, type RejectedRecord } from './decode-batch';

/** Decodes a batch and writes its values (see below); returns the records to dead-letter, undecodable and unwritable. */
export async function decodeAndWrite<T>(batch: Batch, codec: AvroCodec<T>, write: (values: T[]) => Promise<void>): Promise<RejectedRecord[]> {
  const { records, rejected } = await decodeBatch(batch, codec);
  return [...rejected, ...(await writeSeparatingUnwritable(batch, records, write))];
}

/**
 * Writes a batch's records with `write`, except those the store refuses for
 * their data: when a write fails with RECORD_UNWRITABLE, each half is written
 * on its own, down to single records, which are returned for the dead-letter
 * topic. One bad record among n costs about 2 log2(n) more writes, and the
 * rest of the partition keeps flowing instead of retrying the batch forever.
 * Any other error is thrown (the whole batch is retried, so `write` must be
 * idempotent); an empty batch writes nothing.
 */
export async function writeSeparatingUnwritable<T>(batch: Batch, records: readonly DecodedRecord<T>[], write: (values: T[]) => Promise<void>): Promise<RejectedRecord[]> {
  if (records.length === 0) return [];
  try {
    await write(records.map((r) => r.value));
    return [];
  } catch (error) {
    if (!(error instanceof FleetstreamError) || error.code !== 'RECORD_UNWRITABLE') throw error;
    if (records.length === 1) return [{ topic: batch.topic, partition: batch.partition, message: records[0]!.message, reason: 'unwritable', error }];
    const half = Math.ceil(records.length / 2);
    return [
      ...(await writeSeparatingUnwritable(batch, records.slice(0, half), write)),
      ...(await writeSeparatingUnwritable(batch, records.slice(half), write)),
    ];
  }
}
