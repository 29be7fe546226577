import { partitionForKey } from '../../lib/key-partition';

/**
 * The partition a series path lands in with the Java client's (and kafkajs's
 * default) murmur2 partitioner. Rollups are keyed by path + window start but
 * partitioned by path, so every window of a series is in one partition and the
 * next stage's state stays per partition.
 */
export function partitionForPath(_topic: string, path: string, partitions: number): number {
  return partitionForKey(path, partitions);
}
