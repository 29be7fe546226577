/** The topics a stage reads and writes, checked (and its changelog and the invalidations created when missing) before it starts. */
import type { Admin } from 'kafkajs';
import { createTopicsAndWait } from '../../lib/create-topics';
import type { Logger } from '../../lib/logger';
import { rollupInvalidationsTopic, rollupStateTopic, type TopicSpec } from '../../schemas/topics';

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = metadata.topics[0]?.partitions.length ?? 0;
  if (count === 0) throw new Error(`topic ${topic} does not exist: run \`fleetstream topics apply\``);
  return count;
}

/**
 * The changelog is in the topic catalogue (`fleetstream topics apply` creates it and grows it with the input);
 * a stage whose group id prefix is not the catalogue's creates its own, to the same specification.
 */
export async function ensureChangelog(admin: Admin, changelogTopic: string, inputTopic: string, partitions: number, log: Logger): Promise<void> {
  const spec = rollupStateTopic(changelogTopic, partitions);
  if (await createMissing(admin, spec, log)) return;
  const have = await partitionCount(admin, spec.name);
  if (have < partitions) throw new Error(`changelog ${spec.name} has ${have} partitions, ${inputTopic} ${partitions}: run \`fleetstream topics apply --partitions ${partitions}\`, which grows them together`);
  if (have > partitions) throw new Error(`changelog ${spec.name} must have as many partitions as ${inputTopic} (${partitions}), not ${have}; delete it to have it rebuilt`);
}

/** The invalidations topic, as the catalogue has it, created (as many partitions as the input) when missing; any partition count works. */
export async function ensureInvalidations(admin: Admin, topic: string, partitions: number, log: Logger): Promise<void> {
  await createMissing(admin, rollupInvalidationsTopic(topic, partitions), log);
}

/** Creates the topic when missing; true when it did. Stages start together: one that lost the race finds the topic there. */
async function createMissing(admin: Admin, spec: TopicSpec, log: Logger): Promise<boolean> {
  if ((await admin.listTopics()).includes(spec.name)) return false;
  await createTopicsAndWait(admin, [{ topic: spec.name, numPartitions: spec.partitions, configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })) }]);
  log.info({ event: 'topic_created', topic: spec.name, partitions: spec.partitions }, 'topic created');
  return true;
}
