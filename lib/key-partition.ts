import { Partitioners } from 'kafkajs';

const murmur2 = Partitioners.DefaultPartitioner();

/**
 * The partition a string key lands in among `partitions` with the Java
 * client's (and kafkajs's default) murmur2 partitioner, which every
 * fleetstream producer uses (lib/kafka.ts): where a record keyed by a device
 * must be for its one writer to see it.
 */
export function partitionForKey(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return murmur2({ topic: '', partitionMetadata, message: { key, value: null } });
}
