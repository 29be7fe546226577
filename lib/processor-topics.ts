/** The topics a stream processor reads and writes, checked (and its own created when missing) before it starts. */
import type { Admin } from 'kafkajs';
import { createTopicsAndWait } from './create-topics';
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
