import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition a series path lands in with the Java client's (and kafkajs's
 * default) murmur2 partitioner. Rollups are keyed by path + window start but
 * partitioned by path, so every window of a series is in one partition and the
 * next stage's state stays per partition.
 */
export function partitionForPath(topic: string, path: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic, partitionMetadata, message: { key: path, value: null } });
}
