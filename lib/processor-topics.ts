/** The topics a stream processor reads and writes, checked (and its own created when missing) before it starts. */
import type { Admin, Consumer } from 'kafkajs';
import { createTopicsAndWait } from './create-topics';
import { FleetstreamError } from './errors';
import type { Logger } from './logger';

/** A topic as the catalogue (schemas/topics.ts) describes it. */
export interface TopicShape {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = metadata.topics[0]?.partitions.length ?? 0;
  if (count === 0) throw new Error(`topic ${topic} does not exist: run \`fleetstream topics apply\``);
  return count;
}

/**
 * A state changelog is in the topic catalogue (`fleetstream topics apply` creates it and grows it with the
 * input); a processor whose names are not the catalogue's creates its own, to the same specification. It
 * must have as many partitions as the input: partition p holds the state of the input's partition p.
 */
export async function ensureChangelog(admin: Admin, spec: TopicShape, inputTopic: string, log: Logger): Promise<void> {
  if (await createTopicIfMissing(admin, spec, log)) return;
  const have = await partitionCount(admin, spec.name);
  const { partitions } = spec;
  if (have < partitions) throw new Error(`changelog ${spec.name} has ${have} partitions, ${inputTopic} ${partitions}: run \`fleetstream topics apply --partitions ${partitions}\`, which grows them together`);
  if (have > partitions) throw new Error(`changelog ${spec.name} must have as many partitions as ${inputTopic} (${partitions}), not ${have}; delete it to have it rebuilt`);
}

/** Creates the topic when missing; true when it did. Processors start together: one that lost the race finds the topic there. */
export async function createTopicIfMissing(admin: Admin, spec: TopicShape, log: Logger): Promise<boolean> {
  if ((await admin.listTopics()).includes(spec.name)) return false;
  await createTopicsAndWait(admin, [{ topic: spec.name, numPartitions: spec.partitions, configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })) }]);
  log.info({ event: 'topic_created', topic: spec.name, partitions: spec.partitions }, 'topic created');
  return true;
}

/**
 * The partition count of topics that must have as many partitions (a
 * processor's co-partitioned inputs and its changelog: partition p of each
 * holds the same keys); a missing topic or differing counts are a
 * CONFIG_INVALID error naming the command that mends them.
 */
export async function copartitionedCount(admin: Admin, topics: readonly string[], component: string): Promise<number> {
  const counts = await Promise.all(
    topics.map(async (topic) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      const count = metadata?.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new FleetstreamError('CONFIG_INVALID', `${component}: topic ${topic} does not exist: run \`fleetstream topics apply\``);
      return count;
    }),
  );
  if (new Set(counts).size > 1) {
    throw new FleetstreamError(
      'CONFIG_INVALID',
      `${component}: ${topics.map((t, i) => `${t} has ${counts[i]} partitions`).join(', ')}; they must have as many (one key, one partition of each): \`fleetstream topics apply --partitions N\` grows them together`,
    );
  }
  return counts[0]!;
}

/** Moves a consumer's position on a partition to its group's committed offset (the partition's start when none): after a transaction that failed, and may have committed. */
export async function seekToCommitted(admin: Admin, consumer: Pick<Consumer, 'seek'>, groupId: string, topic: string, partition: number, log: Logger): Promise<void> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  if (Number(offset) < 0) offset = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)?.low ?? '0';
  consumer.seek({ topic, partition, offset });
  log.info({ event: 'resumed_at_committed', topic, partition, offset }, 'resuming from the committed offset');
}
