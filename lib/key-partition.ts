import { Partitioners } from 'kafkajs';

const murmur2 = Partitioners.DefaultPartitioner();

/**
 * Keys remembered per partition count, at most, for the whole process: the
 * producers' partitioner (lib/kafka.ts) and a rollups process, which names
 * the partition of every record it writes, hash the same few thousand series
 * paths over and over, and kafkajs's murmur2 (64-bit arithmetic on objects)
 * was 11 % of a rollups process's samples in a late-backlog run. Past this
 * many the memory starts anew.
 */
const REMEMBERED_KEYS = 200_000;
const remembered = new Map<number, Map<string, number>>();
const metadata = new Map<number, { partitionId: number; leader: number; replicas: number[]; isr: number[]; partitionErrorCode: number }[]>();

/**
 * The partition a string key lands in among `partitions` with the Java
 * client's (and kafkajs's default) murmur2 partitioner, which every
 * fleetstream producer uses (lib/kafka.ts): where a record keyed by a device
 * must be for its one writer to see it.
 */
export function partitionForKey(key: string, partitions: number): number {
  let known = remembered.get(partitions);
  if (!known) remembered.set(partitions, (known = new Map()));
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  let partitionMetadata = metadata.get(partitions);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    metadata.set(partitions, partitionMetadata);
  }
  const partition = murmur2({ topic: '', partitionMetadata, message: { key, value: null } });
  if (known.size >= REMEMBERED_KEYS) known.clear();
  known.set(key, partition);
  return partition;
}
