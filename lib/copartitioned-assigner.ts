import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * A consumer-group assignor that gives partition p of every subscribed topic
 * to the same member, as Kafka Streams does for co-partitioned inputs: with
 * topics keyed alike and with as many partitions, everything about one key
 * (one device's requests and its answers, say) reaches one member, the only
 * writer of that key's state. kafkajs's round-robin default spreads the
 * partitions of the topics one after the other, so p of topic A and p of
 * topic B can land on different members.
 *
 * Partition p goes to the p-th member modulo their number (member ids sorted,
 * so every member computes the same plan).
 */
export function copartitionedPlan(memberIds: readonly string[], partitionsByTopic: Record<string, readonly number[]>): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const plan = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  if (members.length === 0) return plan;
  for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const assignment = plan.get(members[partition % members.length]!)!;
      (assignment[topic] ??= []).push(partition);
    }
  }
  return plan;
}

export const CopartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'FleetstreamCopartitioned',
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic = Object.fromEntries(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId)]));
    const plan = copartitionedPlan(members.map((m) => m.memberId), partitionsByTopic);
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: 'FleetstreamCopartitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
