import { cleanupTopics, onCleanup, testKafka, uniqueName } from '../test/factories';
import { applyTopics } from './topics-apply';
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
