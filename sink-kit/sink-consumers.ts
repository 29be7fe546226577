import type { Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger';
import { startBatchConsumer, type BatchConsumerOptions, type RunningBatchConsumer } from './batch-consumer';
import type { SinkTarget } from './sink-inputs';

/** The group a sink consumes the rollups in, beside `groupId`, which takes the measurements (and the downlink's messages). */
export function rollupsGroupOf(groupId: string): string {
  return `${groupId}-rollups`;
}

export type SinkConsumersOptions = Omit<BatchConsumerOptions, 'topics'> & { targets: Map<string, SinkTarget> };

/**
 * A sink's two consumers: the live lane (the measurements, and the
 * downlink's messages for HTTP devices' mailboxes) in the sink's group, the
 * rollups in a group of their own (`rollupsGroupOf`).
 *
 * kafkajs fetches again only once every batch of the last fetch is written,
 * so in one consumer a live reading waited for the slowest batch beside it.
 * When a backlog is corrected, the rollup topics carry batches of thousands
 * of corrections that took up to a second to write, and the live readings'
 * latency rose with them. Each lane now fetches at its own pace.
 *
 * Upgrading from one group: where the rollups group has committed nothing
 * yet, it starts from the offsets the sink's group had committed on the
 * rollup topics, so the rollups are not consumed again from the beginning.
 */
export async function startSinkConsumers(options: SinkConsumersOptions): Promise<RunningBatchConsumer> {
  const { targets, ...loop } = options;
  const live = [...targets].filter(([, t]) => t.kind !== 'rollups').map(([topic]) => topic);
  const rollups = [...targets].filter(([, t]) => t.kind === 'rollups').map(([topic]) => topic);
  const rollupsGroup = rollupsGroupOf(options.groupId);
  if (rollups.length > 0) await adoptOffsets(options.kafka, options.groupId, rollupsGroup, rollups, options.logger);
  const consumers: RunningBatchConsumer[] = [];
  try {
    if (live.length > 0) consumers.push(await startBatchConsumer({ ...loop, topics: live }));
    if (rollups.length > 0) consumers.push(await startBatchConsumer({ ...loop, groupId: rollupsGroup, topics: rollups }));
  } catch (error) {
    for (const consumer of consumers) await consumer.stop().catch(() => undefined);
    throw error;
  }
  return {
    ready: () => consumers.every((c) => c.ready()),
    readiness: () => ({ failingPartitions: consumers.flatMap((c) => c.readiness().failingPartitions) }),
    failed: Promise.race(consumers.map((c) => c.failed)),
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}

/**
 * Gives `to` the offsets `from` committed on `topics`, where `to` has none.
 * Best effort: a group that another instance has joined meanwhile refuses
 * them, and is left as it is (it consumes from where it starts; the sinks'
 * writes are idempotent).
 */
async function adoptOffsets(kafka: Kafka, from: string, to: string, topics: string[], logger: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [theirs, ours] = await Promise.all([admin.fetchOffsets({ groupId: from, topics }), admin.fetchOffsets({ groupId: to, topics })]);
    if (ours.some((t) => t.partitions.some((p) => Number(p.offset) >= 0))) return;
    for (const { topic, partitions } of theirs) {
      const committed = partitions.filter((p) => Number(p.offset) >= 0).map(({ partition, offset }) => ({ partition, offset }));
      if (committed.length === 0) continue;
      await admin.setOffsets({ groupId: to, topic, partitions: committed });
      logger.info({ event: 'offsets_adopted', from, to, topic, partitions: committed.length }, 'the rollups group starts where the sink group had committed');
    }
  } catch (error) {
    logger.warn({ event: 'offsets_not_adopted', from, to, err: error }, 'could not start the rollups group from the sink group\'s offsets');
  } finally {
    await admin.disconnect();
  }
}
