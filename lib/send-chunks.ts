import type { Message, TopicMessages } from 'kafkajs';

/**
 * Splits a transaction's outputs into sends of at most `maxBytes` of keys and
 * values (plus a record's overhead), keeping each topic's messages in order.
 *
 * Why: kafkajs puts a send's messages for one partition into one record
 * batch, and Kafka refuses a batch over the topic's max.message.bytes (1 MiB
 * by default) with MESSAGE_TOO_LARGE, which is not retriable. After a restore
 * every series of a partition is snapshotted to the changelog at once: tens
 * of thousands of series made one send of megabytes, and the stage stopped.
 * A message larger than `maxBytes` goes alone.
 */
export function chunkTopicMessages(topicMessages: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const sends: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const close = () => {
    if (current.size > 0) sends.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = recordOverheadBytes + sizeOf(message.key) + sizeOf(message.value);
      if (bytes > 0 && bytes + size > maxBytes) close();
      const list = current.get(topic);
      if (list) list.push(message);
      else current.set(topic, [message]);
      bytes += size;
    }
  }
  close();
  return sends;
}

/** A record's framing in a batch (lengths, offsets, timestamp delta, headers count), generously. */
const recordOverheadBytes = 32;

function sizeOf(part: Message['key'] | Message['value']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part) : part.length;
}
