import type { Message, Producer } from 'kafkajs';
import { maxRecordBatchBytes } from './kafka';

/**
 * Sends `messages` to one topic, in order, in sends of at most
 * `maxRecordBatchBytes` of values: kafkajs puts a send's messages for one
 * partition into one record batch, which Kafka refuses for good past the
 * topic's max.message.bytes (a rollout to thousands of devices is one list).
 * Each send is acknowledged by every in-sync replica before the next.
 */
export async function sendUnderBatchLimit(producer: Producer, topic: string, messages: readonly Message[]): Promise<void> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.value?.length ?? 0;
    if (chunk.length > 0 && bytes + size > maxRecordBatchBytes) {
      await producer.send({ topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) await producer.send({ topic, acks: -1, messages: chunk });
}
