import type { Consumer } from 'kafkajs';
import { CopartitionedAssigner } from './copartitioned-assigner';
import { eventually, freshGroupId, freshTopic, onCleanup, testKafka } from '../test/factories';

describe('the co-partitioned assignor in a real consumer group', () => {
  it('gives two members partition p of both topics together', async () => {
    const requests = await freshTopic({ partitions: 4 });
    const answers = await freshTopic({ partitions: 4 });
    const groupId = freshGroupId();
    const assigned = new Map<Consumer, Record<string, number[]>>();
    const consumers = [0, 1].map(() => {
      const consumer = testKafka().consumer({ groupId, partitionAssigners: [CopartitionedAssigner] });
      consumer.on(consumer.events.GROUP_JOIN, (event) => assigned.set(consumer, event.payload.memberAssignment));
      onCleanup(() => consumer.disconnect());
      return consumer;
    });
    for (const consumer of consumers) {
      await consumer.connect();
      await consumer.subscribe({ topics: [requests, answers] });
      await consumer.run({ eachMessage: async () => undefined });
    }
    const plans = await eventually(() => {
      const plans = [...assigned.values()];
      const total = plans.reduce((n, p) => n + (p[requests]?.length ?? 0), 0);
      return plans.length === 2 && total === 4 && plans.every((p) => (p[requests]?.length ?? 0) === 2) ? plans : undefined;
    }, 'both members assigned two partitions of each topic', 60_000);
    for (const plan of plans) expect([...(plan[answers] ?? [])].sort()).toEqual([...(plan[requests] ?? [])].sort());
  });
});
