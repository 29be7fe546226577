/** The topics a stage reads and writes, checked (and its changelog and the invalidations created when missing) before it starts. */
import type { Admin } from 'kafkajs';
import type { Logger } from '../../lib/logger';
import { createTopicIfMissing, ensureChangelog as ensureChangelogTopic } from '../../lib/processor-topics';
import { rollupInvalidationsTopic, rollupStateTopic } from '../../schemas/topics';

export { partitionCount } from '../../lib/processor-topics';

export async function ensureChangelog(admin: Admin, changelogTopic: string, inputTopic: string, partitions: number, log: Logger): Promise<void> {
  await ensureChangelogTopic(admin, rollupStateTopic(changelogTopic, partitions), inputTopic, log);
}

/** The invalidations topic, as the catalogue has it, created (as many partitions as the input) when missing; any partition count works. */
export async function ensureInvalidations(admin: Admin, topic: string, partitions: number, log: Logger): Promise<void> {
  await createTopicIfMissing(admin, rollupInvalidationsTopic(topic, partitions), log);
}
