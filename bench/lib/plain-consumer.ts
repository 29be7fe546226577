import type { Kafka } from 'kafkajs';

/**
 * Records/s of a plain kafkajs consumer reading `total` records of `topic`
 * from the beginning, no decoding, in group `groupId`: what Kafka gives
 * one Node consumer, the reference a processor's rate is read beside.
 */
export async function plainConsumerRate(kafka: Kafka, topic: string, total: number, groupId: string): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= total) resolve();
      },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return total / seconds;
}
