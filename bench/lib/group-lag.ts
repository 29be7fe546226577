import type { Admin } from 'kafkajs';

/**
 * Records of `topics` that consumer group `groupId` has not committed yet,
 * summed over partitions; a partition without a commit counts from its
 * oldest retained record (the groups here start from the beginning).
 */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const topic of topics) {
    const done = new Map((committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const p of await admin.fetchTopicOffsets(topic)) lag += Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low));
  }
  return lag;
}
