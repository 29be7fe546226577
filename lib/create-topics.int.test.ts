import { createTopicsAndWait } from './create-topics';
import { cleanupTopics, testKafka, uniqueName } from '../test/factories';

describe('createTopicsAndWait against Kafka', () => {
  it('returns once new topics can be produced to, and reports false when they already exist', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    const topics = [uniqueName('test.created'), uniqueName('test.created')];
    cleanupTopics(topics);
    try {
      await expect(createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: 3 })))).resolves.toBe(true);
      // no metadata refresh or retry in between: the partitions must have leaders already
      const metadata = await admin.fetchTopicMetadata({ topics });
      expect(metadata.topics.flatMap((t) => t.partitions.map((p) => p.leader)).every((leader) => leader >= 0)).toBe(true);
      const sent = await producer.send({ topic: topics[0]!, messages: [{ key: 'k', value: 'v', partition: 2 }] });
      expect(sent[0]?.errorCode).toBe(0);
      await expect(createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: 3 })))).resolves.toBe(false);
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});
