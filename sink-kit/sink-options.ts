import { z } from 'zod';
import { duration, flag, integer, keyValues } from '../lib/option-types';
import { formatDuration } from '../lib/duration';
import { topicNames } from '../schemas/topics';

/**
 * The options every sink has, for its topics and its consumer loop
 * (batch-consumer.ts); spread into each sink's own schema. The fetch defaults
 * are the sink's own: how long it is worth waiting for a bigger batch depends
 * on what a store round trip costs.
 */
export function sinkConsumerOptions(defaults: ConsumerLoopDefaults) {
  return {
    measurementsTopic: z.string().min(1).default(topicNames.measurements).meta({ description: 'Raw measurements topic.' }),
    rollupTopics: keyValues(z.string().min(1)).default({}).meta({
      description: 'Rollup topic per resolution, as `1m=<topic>,1h=<topic>`; absent resolutions use `fleet.rollups.<resolution>.v1`. Default: none.',
    }),
    deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Where records that cannot be decoded or written go, with the reason.' }),
    ...consumerLoopOptions(defaults),
    groupId: z.string().min(1).default(defaults.groupId).meta({
      description: 'Kafka consumer group of the live inputs (the measurements; for the redis-sink, also the downlink\'s messages to HTTP devices); the rollups are consumed in `<groupId>-rollups`, so that live readings never wait behind a batch of rollups.',
    }),
  };
}

export interface ConsumerLoopDefaults {
  groupId: string;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
}

/** The consumer loop's options (batch-consumer.ts), for whatever consumes with it. */
export function consumerLoopOptions(defaults: ConsumerLoopDefaults) {
  return {
    groupId: z.string().min(1).default(defaults.groupId).meta({ description: 'Kafka consumer group.' }),
    fromBeginning: flag.default(true).meta({ description: 'Where a group without committed offsets starts: true = earliest.' }),
    partitionsConsumedConcurrently: integer(1, 64).default(2).meta({ description: 'Partitions written in parallel (each batch in its own store round trip or transaction).' }),
    retryInitial: duration({ min: 1 }).prefault('200ms').meta({ description: 'First wait before retrying a failed batch write.' }),
    retryMax: duration({ min: 1 }).prefault('10s').meta({ description: 'Longest wait between retries of a failed batch write.' }),
    // Every batch costs a round trip to the store whatever its size; waiting a little for bigger
    // batches at low rates saves most of them.
    fetchMinBytes: integer(1).default(defaults.fetchMinBytes).meta({ description: 'A fetch returns once it has this many bytes...' }),
    fetchMaxWait: duration({ min: 1 }).prefault(formatDuration(defaults.fetchMaxWaitMs)).meta({ description: '...or waited this long.' }),
    commitInterval: duration({ min: 1 }).prefault('1s').meta({
      description: 'How often written offsets are committed; a crash replays at most about this much, which the idempotent writes absorb.',
    }),
  };
}
