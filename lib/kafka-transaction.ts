/**
 * One Kafka transaction of a processor: its outputs, then the consumed
 * offsets, then the commit; aborted on any failure, so nothing of it becomes
 * visible to read_committed readers unless all of it does.
 */
import type { Message, Producer, Transaction } from 'kafkajs';
import type { Logger } from './logger';
import { chunkTopicMessages } from './send-chunks';

/** Messages to send, per topic, in the order they were added. */
export type TopicOutputs = Map<string, Message[]>;

export function pushOutputs(outputs: TopicOutputs, topic: string, messages: Message[]): void {
  if (messages.length === 0) return;
  const list = outputs.get(topic);
  // one by one: spread into push() passes every message as an argument, and past about 100,000 of them (a rollup
  // stage's changelog when thousands of windows close at once, each tombstoning its chunks) overflows the stack
  if (list) for (const message of messages) list.push(message);
  else outputs.set(topic, [...messages]);
}

/** A partition's offset (a Kafka offset string): the next one to read. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

/** Keys and values per send within a transaction: well under Kafka's default 1 MiB per record batch (send-chunks.ts). */
const maxSendBytes = 512 * 1024;
const attempts = 5;

export interface TransactionTarget {
  producer: Pick<Producer, 'transaction'>;
  /** the consumer group whose offsets the transaction commits */
  groupId: string;
  inputTopic: string;
  log: Logger;
  /** Wait before attempt `attempt + 1`. Default 50 ms times the attempt. */
  retryDelayMs?: (attempt: number) => number;
}

/** Tries of AddOffsetsToTxn within one transaction while the coordinator is still completing the previous one. */
const offsetAttempts = 8;

/**
 * Adds the offsets to the transaction, asking again within it while the
 * coordinator answers CONCURRENT_TRANSACTIONS: right after a commit it is
 * still writing that transaction's markers, and kafkajs does not retry
 * AddOffsetsToTxn. Nothing was added when it refused, so the same
 * transaction goes on; aborting it instead cost another round of markers
 * and a resend of its outputs, on nearly every batch of a processor that
 * commits per fetch (the alerts processor under a steady flow).
 */
async function sendOffsetsWhenFree(tx: Transaction, offsets: Parameters<Transaction['sendOffsets']>[0]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await tx.sendOffsets(offsets);
      return;
    } catch (error) {
      if ((error as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= offsetAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/**
 * The transaction coordinator answers CONCURRENT_TRANSACTIONS (or loses its
 * coordinator) for a moment after a commit; kafkajs retries some of those
 * calls but not AddOffsetsToTxn, so the whole transaction is tried again here
 * a few times, with the same outputs, before the caller throws the work away.
 */
export async function commitTransaction(target: TransactionTarget, outputs: TopicOutputs, consumed: readonly PartitionOffset[] = []): Promise<void> {
  await commitTopicsTransaction(target, outputs, consumed.length > 0 ? [{ topic: target.inputTopic, partitions: consumed }] : []);
}

/** The offsets consumed of one topic. */
export interface TopicOffsets {
  topic: string;
  partitions: readonly PartitionOffset[];
}

/** The same, with the consumed offsets of any topics the group reads. */
export async function commitTopicsTransaction(target: Omit<TransactionTarget, 'inputTopic'>, outputs: TopicOutputs, consumed: readonly TopicOffsets[]): Promise<void> {
  if (outputs.size === 0 && consumed.length === 0) return;
  const sends = chunkTopicMessages([...outputs].map(([topic, messages]) => ({ topic, messages })), maxSendBytes);
  const delay = target.retryDelayMs ?? ((attempt) => 50 * attempt);
  for (let attempt = 1; ; attempt++) {
    const tx = await target.producer.transaction();
    try {
      for (const topicMessages of sends) await tx.sendBatch({ acks: -1, topicMessages });
      if (consumed.length > 0) await sendOffsetsWhenFree(tx, { consumerGroupId: target.groupId, topics: consumed.map(({ topic, partitions }) => ({ topic, partitions: [...partitions] })) });
      await tx.commit();
      return;
    } catch (error) {
      await tx.abort().catch(() => undefined);
      const retriable = (error as { retriable?: boolean }).retriable === true || (error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS';
      target.log.warn({ event: 'transaction_aborted', attempt, retriable, err: error }, 'transaction aborted');
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay(attempt)));
    }
  }
}
