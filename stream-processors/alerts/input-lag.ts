/**
 * Which input partitions the processor has read to their end: the no-data
 * check skips the others, so a processor catching up after downtime does
 * not take the readings still waiting in Kafka for silence (and cancel a
 * pending alert, restarting its hold, for a no-data one). Pure.
 */

/** Offsets as Kafka strings, per topic, per partition: the group's committed (next to read) and the topics' ends. */
export type TopicPartitionOffsets = Map<string, Map<number, string>>;

/** The partitions, among `partitions`, whose every input topic is committed up to its end. */
export function caughtUpPartitions(partitions: Iterable<number>, committed: TopicPartitionOffsets, ends: TopicPartitionOffsets): Set<number> {
  const caughtUp = new Set<number>();
  for (const partition of partitions) {
    const behind = [...ends].some(([topic, topicEnds]) => {
      const end = BigInt(topicEnds.get(partition) ?? '0');
      const at = committed.get(topic)?.get(partition);
      // nothing committed: caught up only if there is nothing to read
      return at === undefined || BigInt(at) < 0n ? end > 0n : BigInt(at) < end;
    });
    if (!behind) caughtUp.add(partition);
  }
  return caughtUp;
}
