import { cleanupTopics, onCleanup, testKafka, testSettings, uniqueName } from '../test/factories';
import { avroSchemas, type RecordName } from './avro-schemas';
import { createRegistryClient } from './registry-client';
import { applySubjects, applyTopics, describeChange } from './topics-apply';
import type { TopicSpec } from './topics';

describe('applyTopics', () => {
  it('creates missing topics, then changes nothing when applied again, then grows partitions and config', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());
    const name = uniqueName('test.apply');
    cleanupTopics([name]);
    const spec: TopicSpec = { name, partitions: 2, config: { 'cleanup.policy': 'compact', 'retention.ms': '3600000' }, purpose: 'test' };

    expect(await applyTopics(admin, [spec])).toEqual([{ topic: name, change: 'created', partitions: 2 }]);
    expect(await applyTopics(admin, [spec])).toEqual([]);

    const changed = await applyTopics(admin, [{ ...spec, partitions: 4, config: { ...spec.config, 'retention.ms': '7200000' } }]);
    expect(changed).toEqual([
      { topic: name, change: 'partitions', from: 2, to: 4 },
      { topic: name, change: 'config', key: 'retention.ms', from: '3600000', to: '7200000' },
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
    expect(await applyTopics(admin, [{ ...spec, partitions: 1 }])).toEqual([
      { topic: name, change: 'partitions-kept', have: 4, want: 1 },
      { topic: name, change: 'config', key: 'retention.ms', from: '7200000', to: '3600000' },
    ]);
  });
});

describe('applySubjects', () => {
  it('registers each subject with its record\'s schema under BACKWARD compatibility, then changes nothing when applied again', async () => {
    const client = createRegistryClient(testSettings().schemaRegistryUrl);
    const subjects: { subject: string; record: RecordName }[] = [
      { subject: `${uniqueName('test.apply')}-value`, record: 'Measurement' },
      { subject: `${uniqueName('test.apply')}-value`, record: 'DeadLetter' },
    ];

    const changes = await applySubjects(client, subjects);
    for (const { subject, record } of subjects) {
      const id = await client.getId(subject, { schemaType: 'AVRO', schema: avroSchemas[record] }, false);
      expect(changes.filter((c) => c.subject === subject)).toEqual([
        { subject, change: 'compatibility', from: undefined, to: 'BACKWARD' },
        { subject, change: 'registered', id },
      ]);
      expect(await client.getCompatibility(subject)).toBe('BACKWARD');
    }
    const [first] = subjects;
    const firstId = await client.getId(first!.subject, { schemaType: 'AVRO', schema: avroSchemas.Measurement }, false);
    expect(changes.slice(0, 2).map(describeChange)).toEqual([
      `${first!.subject}: compatibility (registry default) -> BACKWARD`,
      `registered ${first!.subject} (schema id ${firstId})`,
    ]);
    // a fresh client, so the registry answers and not the first client's cache
    expect(await applySubjects(createRegistryClient(testSettings().schemaRegistryUrl), subjects)).toEqual([]);
  });
});
