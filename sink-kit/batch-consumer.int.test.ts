import type { Batch } from 'kafkajs';
import { FleetstreamError } from '../lib/errors';
import { componentLogger } from '../lib/logger';
import { startOpsServer } from '../lib/ops-server';
import { eventually, freshGroupId, freshTopic, onCleanup, testKafka } from '../test/factories';
import { startBatchConsumer, type RunningBatchConsumer } from './batch-consumer';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics';

const logger = componentLogger('batch-consumer-test');

/** A two-partition topic with three records in each, and a consumer whose store is `write`. */
async function consumeWith(write: (batch: Batch) => Promise<void>): Promise<{ topic: string; consumer: RunningBatchConsumer; metrics: SinkMetrics }> {
  const topic = await freshTopic({ partitions: 2 });
  const producer = testKafka().producer();
  await producer.connect();
  onCleanup(() => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: [0, 1].flatMap((partition) => [1, 2, 3].map((i) => ({ partition, value: `p${partition}-${i}` }))) });
  const metrics = createSinkMetrics('batch-consumer-test', 'fleetstream_test_sink');
  const consumer = await startBatchConsumer({
    kafka: testKafka(), groupId: freshGroupId(), topics: [topic], fromBeginning: true, partitionsConsumedConcurrently: 2,
    retryInitial: 20, retryMax: 100, commitInterval: 100, fetchMinBytes: 1, fetchMaxWait: 50, logger, metrics, write,
  });
  onCleanup(() => consumer.stop());
  return { topic, consumer, metrics };
}

const valuesOf = (batch: Batch) => batch.messages.map((m) => m.value!.toString());

describe('batch consumer', () => {
  it('reports the one partition whose writes fail in /readyz and partition_failing, and recovers once it writes', async () => {
    let partitionOneDown = true;
    const written: string[] = [];
    const { topic, consumer, metrics } = await consumeWith(async (batch) => {
      if (batch.partition === 1 && partitionOneDown) throw new FleetstreamError('DATABASE_UNAVAILABLE', 'terminating connection due to administrator command');
      written.push(...valuesOf(batch));
    });
    const ops = await startOpsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, ready: () => consumer.ready(), readiness: () => consumer.readiness(), logger });
    onCleanup(() => ops.close());
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
      return { code: response.status, body: (await response.json()) as { status: string; failingPartitions: { topic: string; partition: number; error: string }[] } };
    };

    await eventually(() => (written.length === 3 && consumer.readiness().failingPartitions.length === 1 ? true : undefined), 'partition 0 written while partition 1 fails');
    expect(written).toEqual(['p0-1', 'p0-2', 'p0-3']);
    const failing = await readyz();
    expect(failing.code).toBe(503);
    expect(failing.body.failingPartitions).toEqual([expect.objectContaining({ topic, partition: 1, error: 'terminating connection due to administrator command' })]);
    const failingMetrics = await metrics.registry.metrics();
    expect(failingMetrics).toContain(`fleetstream_test_sink_partition_failing{topic="${topic}",partition="1",component="batch-consumer-test"} 1`);
    expect(failingMetrics).not.toContain(`partition="0",component="batch-consumer-test"} 1`);

    partitionOneDown = false;
    await eventually(() => (consumer.ready() ? true : undefined), 'ready once partition 1 writes');
    // at least once: a rebalance between a write and its offset commit (every `commitInterval`) replays the batch,
    // which the idempotent writes absorb (CI saw partition 1 written twice once)
    expect([...new Set(written)].sort()).toEqual(['p0-1', 'p0-2', 'p0-3', 'p1-1', 'p1-2', 'p1-3']);
    expect(await readyz()).toEqual({ code: 200, body: { status: 'ready', failingPartitions: [] } });
    expect(await metrics.registry.metrics()).toContain(`fleetstream_test_sink_partition_failing{topic="${topic}",partition="1",component="batch-consumer-test"} 0`);
  });

  it('stops for good on an error retrying cannot fix, without retrying it, and settles `failed` with it', async () => {
    const refused = new FleetstreamError('DATABASE_REJECTED', 'relation "measurements" does not exist (42P01)');
    let attempts = 0;
    const { consumer } = await consumeWith(async (batch) => {
      if (batch.partition === 1) {
        attempts++;
        throw refused;
      }
    });
    expect(await consumer.failed).toBe(refused);
    expect(consumer.ready()).toBe(false);
    expect(attempts).toBe(1);
  });
});
