/**
 * A consumed batch written to PostgreSQL with the partition's next offset, in
 * one transaction (the webhooks outbox, the handler executions): the offset
 * row is locked first; what `write` makes of the records at or past the
 * stored offset is written and the offset moves past the batch. Kafka's
 * committed offset trails the stored one (lib/outbox-consumer.ts), so a batch
 * read again after a crash finds its records below it and adds nothing.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './pg-transaction';

export interface ConsumedBatch {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** Write the batch even when it starts past the stored offset (the records between are gone from Kafka). */
  acceptGap: boolean;
}

/**
 * Returns `gap` instead, writing nothing, when the batch starts past the
 * stored offset and `acceptGap` is off: records between were not read (the
 * group lost its Kafka offsets), and the consumer should read from there.
 * `offsetsTable`: (group_id, topic, kafka_partition, next_offset), quoted.
 */
export function writeWithOffset(
  pool: Pool,
  offsetsTable: string,
  groupId: string,
  batch: ConsumedBatch,
  write: (client: PoolClient, fromOffset: bigint) => Promise<number>,
): Promise<{ written: number; gap?: string }> {
  const { topic, partition, firstOffset, lastOffset } = batch;
  return inTransaction(pool, `writing a batch of ${topic}[${partition}]`, async (client) => {
    const key = [groupId, topic, partition];
    const { rows } = await client.query<{ next_offset: string }>(`select next_offset from ${offsetsTable} where group_id = $1 and topic = $2 and kafka_partition = $3 for update`, key);
    const stored = rows[0] === undefined ? undefined : BigInt(rows[0].next_offset);
    if (stored !== undefined && BigInt(firstOffset) > stored && !batch.acceptGap) return { written: 0, gap: stored.toString() };
    if (stored !== undefined && BigInt(lastOffset) < stored) return { written: 0 };
    const written = await write(client, stored !== undefined && stored > BigInt(firstOffset) ? stored : BigInt(firstOffset));
    await client.query(
      `insert into ${offsetsTable} (group_id, topic, kafka_partition, next_offset) values ($1, $2, $3, $4)
        on conflict (group_id, topic, kafka_partition) do update set next_offset = excluded.next_offset`,
      [...key, (BigInt(lastOffset) + 1n).toString()],
    );
    return { written };
  });
}
