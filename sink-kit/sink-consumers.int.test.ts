import type { Batch } from 'kafkajs';
import { FleetstreamError } from '../lib/errors';
import { componentLogger } from '../lib/logger';
import { eventually, freshGroupId, freshTopic, onCleanup, testKafka } from '../test/factories';
import { createSinkMetrics } from './sink-metrics';
import { rollupsGroupOf, startSinkConsumers } from './sink-consumers';
import type { SinkTarget } from './sink-inputs';

const logger = componentLogger('sink-consumers-test');

/** A measurements topic and a rollups topic, one partition each; the targets' codecs are not used (`write` takes the raw batch). */
async function sinkTopics(): Promise<{ measurements: string; rollups: string; targets: Map<string, SinkTarget>; produce(topic: string, values: string[]): Promise<void> }> {
  const measurements = await freshTopic({ prefix: 'test.measurements' });
  const rollups = await freshTopic({ prefix: 'test.rollups' });
  const producer = testKafka().producer();
  await producer.connect();
  onCleanup(() => producer.disconnect());
  const targets = new Map<string, SinkTarget>([
    [measurements, { kind: 'measurements' } as SinkTarget],
    [rollups, { kind: 'rollups', resolution: '1m' } as SinkTarget],
  ]);
  return { measurements, rollups, targets, produce: async (topic, values) => void (await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) })) };
}

async function consume(groupId: string, targets: Map<string, SinkTarget>, write: (batch: Batch) => Promise<void>) {
  const consumer = await startSinkConsumers({
    kafka: testKafka(), groupId, targets, fromBeginning: true, partitionsConsumedConcurrently: 2,
    retryInitial: 20, retryMax: 100, commitInterval: 100, fetchMinBytes: 1, fetchMaxWait: 50, logger, metrics: createSinkMetrics('sink-consumers-test', 'fleetstream_test_sinks'), write,
  });
  onCleanup(() => consumer.stop());
  return consumer;
}

const valuesOf = (batch: Batch) => batch.messages.map((m) => m.value!.toString());

describe('sink consumers', () => {
  it('go on writing measurements while a batch of rollups is being retried: each lane fetches at its own pace', async () => {
    const { measurements, rollups, targets, produce } = await sinkTopics();
    let rollupsDown = true;
    const written: string[] = [];
    await produce(rollups, ['r1', 'r2']);
    await produce(measurements, ['m1']);
    const consumer = await consume(freshGroupId(), targets, async (batch) => {
      if (batch.topic === rollups && rollupsDown) throw new FleetstreamError('REDIS_UNAVAILABLE', 'the store refuses rollups for now');
      written.push(...valuesOf(batch));
    });
    await eventually(() => (written.includes('m1') && consumer.readiness().failingPartitions.length === 1 ? true : undefined), 'the first measurement written, the rollups failing');
    // readings that arrive while the rollups' batch is retried: in one consumer, they waited for it (kafkajs fetches
    // again only once every batch of the last fetch is written)
    await produce(measurements, ['m2', 'm3']);
    await eventually(() => (written.includes('m3') ? true : undefined), 'the later measurements written while the rollups still fail');
    expect(consumer.readiness().failingPartitions).toEqual([expect.objectContaining({ topic: rollups, partition: 0 })]);
    expect(written.filter((v) => v.startsWith('r'))).toEqual([]);

    rollupsDown = false;
    await eventually(() => (consumer.ready() && written.includes('r2') ? true : undefined), 'the rollups written once the store takes them');
    expect([...new Set(written)].sort()).toEqual(['m1', 'm2', 'm3', 'r1', 'r2']);
  });

  it("start the rollups' own group where the sink's one group had committed on the rollup topics (an upgrade), and commit the rollups there", async () => {
    const { measurements, rollups, targets, produce } = await sinkTopics();
    const groupId = freshGroupId();
    await produce(rollups, ['r1', 'r2', 'r3']);
    await produce(measurements, ['m1']);
    // the sink before the lanes had consumed the first two rollups in its one group
    const admin = testKafka().admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());
    await admin.setOffsets({ groupId, topic: rollups, partitions: [{ partition: 0, offset: '2' }] });

    const written: string[] = [];
    await consume(groupId, targets, async (batch) => void written.push(...valuesOf(batch)));
    await eventually(() => (written.includes('r3') && written.includes('m1') ? true : undefined), 'the third rollup and the measurement written');
    expect(written.filter((v) => v.startsWith('r'))).toEqual(['r3']);
    const committed = async (group: string, topic: string) => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions[0]!.offset;
    await eventually(async () => ((await committed(rollupsGroupOf(groupId), rollups)) === '3' ? true : undefined), 'the rollups group committed past the third rollup');
    await eventually(async () => ((await committed(groupId, measurements)) === '1' ? true : undefined), 'the sink group committed past the measurement');
  });
});
