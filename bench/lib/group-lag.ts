import type { Admin } from 'kafkajs';

/**
 * Records of `topics` that consumer group `groupId` has not committed yet,
 * summed over partitions; a partition without a commit counts from its
 * oldest retained record (the groups here start from the beginning).
 */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  return (await groupLags(admin, [[groupId, topics]]))[0]!;
}

/** `groupLag` of several groups, in their order: each topic's offsets are fetched once, however many of the groups read it. */
export async function groupLags<const G extends readonly (readonly [groupId: string, topics: readonly string[]])[]>(admin: Admin, groups: G): Promise<{ [K in keyof G]: number }> {
  const topicOffsets = new Map<string, ReturnType<Admin['fetchTopicOffsets']>>();
  const offsetsOf = (topic: string) => {
    let offsets = topicOffsets.get(topic);
    if (!offsets) topicOffsets.set(topic, (offsets = admin.fetchTopicOffsets(topic)));
    return offsets;
  };
  const lags = await Promise.all(
    groups.map(async ([groupId, topics]) => {
      let lag = 0;
      const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
      for (const topic of topics) {
        const done = new Map((committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        for (const p of await offsetsOf(topic)) lag += Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low));
      }
      return lag;
    }),
  );
  return lags as { [K in keyof G]: number };
}
