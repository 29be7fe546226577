import type { Kafka } from 'kafkajs';
import { testKafka } from './factories';

/** A client on the test cluster whose consumers add the topic of every batch they hand over to `batches` (which topics a component fetches). */
export function batchRecordingKafka(batches: string[]): Kafka {
  const kafka = testKafka();
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const created = consumer(config);
    created.on(created.events.START_BATCH_PROCESS, (event) => batches.push(event.payload.topic));
    return created;
  };
  return kafka;
}

/** Whether `groupId` has committed an offset for every partition of `topic`. */
export async function groupHasOffsets(groupId: string, topic: string): Promise<boolean> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed!.partitions.every((p) => p.offset !== '-1');
  } finally {
    await admin.disconnect();
  }
}
