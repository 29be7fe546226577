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
