import { z } from 'zod';
import { topicNames } from '../../schemas/topics';

/**
 * The options every sink has, for its topics and its consumer loop
 * (batch-consumer.ts); spread into each sink's own schema. The fetch defaults
 * are the sink's own: how long it is worth waiting for a bigger batch depends
 * on what a store round trip costs.
 */
export function sinkConsumerOptions(defaults: { groupId: string; fetchMinBytes: number; fetchMaxWaitMs: number }) {
  return {
    /** Raw measurements topic. Default `fleet.measurements.v1`. */
    measurementsTopic: z.string().min(1).default(topicNames.measurements),
    /** Rollup topic per resolution; absent resolutions use `fleet.rollups.<resolution>.v1`. Default `{}`. */
    rollupTopics: z.record(z.string(), z.string().min(1)).default({}),
    /** Where undecodable records go. Default `fleet.deadletter.v1`. */
    deadLetterTopic: z.string().min(1).default(topicNames.deadLetter),
    /** Kafka consumer group. Default `fleetstream-<sink>`. */
    groupId: z.string().min(1).default(defaults.groupId),
    /** Where a group without committed offsets starts: true = earliest. Default true. */
    fromBeginning: z.boolean().default(true),
    /** Partitions written in parallel (each batch in its own store round trip or transaction). Default 2. */
    partitionsConsumedConcurrently: z.number().int().min(1).max(64).default(2),
    /** First and longest wait between retries of a failed batch write, ms. Default 200 and 10000. */
    retryInitialMs: z.number().int().min(1).default(200),
    retryMaxMs: z.number().int().min(1).default(10_000),
    /**
     * A fetch returns once it has this many bytes or waited this long, ms. Every batch costs a
     * round trip to the store whatever its size; waiting a little for bigger batches at low rates
     * saves most of them. Defaults: Redis sink 16 KiB and 20 ms, TimescaleDB sink 64 KiB and 100 ms.
     */
    fetchMinBytes: z.number().int().min(1).default(defaults.fetchMinBytes),
    fetchMaxWaitMs: z.number().int().min(1).default(defaults.fetchMaxWaitMs),
    /** How often written offsets are committed, ms; a crash replays at most about this much, which the idempotent writes absorb. Default 1000. */
    commitIntervalMs: z.number().int().min(1).default(1000),
  };
}
