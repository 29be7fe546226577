import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, parseOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer, keyValues, list } from '../../lib/option-types';
import { resolutionName } from '../../schemas/resolution';
import { defaultResolutions, redisSinkGroupId, topicNames } from '../../schemas/topics';
import { sinkConsumerOptions } from '../../sink-kit/sink-options';

/**
 * Options of the Redis sink: `REDIS_SINK_<OPTION>` in the environment, plus
 * the connection variables.
 */
export const redisSinkOptionsSchema = z
  .strictObject({
    ...kafkaConnectionOptions,
    ...registryConnectionOptions,
    redisUrl: connectionOptions.redisUrl,
    keyPrefix: z.string().min(1).default('fleet:').meta({ description: 'Prefix of every key and channel.' }),
    ...sinkConsumerOptions({ groupId: redisSinkGroupId, fetchMinBytes: 16 * 1024, fetchMaxWaitMs: 20 }),
    resolutions: list(resolutionName, 1).prefault([...defaultResolutions]).meta({ description: 'Rollup resolutions to keep.' }),
    horizons: keyValues(duration({ min: 1 })).prefault({ '1m': '24h', '1h': '30d', '1d': '2y' }).meta({ description: 'How far back recent rollups are kept, per resolution.' }),
    pipelineDepth: integer(1, 100_000).default(1000).meta({ description: 'Commands per pipeline round trip.' }),
    readingsPerCall: integer(1, 10_000).default(100).meta({ description: 'Readings per latest-value script call (one Redis command).' }),
    seriesCacheSize: integer(1, 100_000_000).default(500_000).meta({
      description: "Series whose newest written time the sink remembers (about 200 bytes each with 40-character paths, measured: 100 MB by default), so readings no newer than their series' latest value (a backlog, a replay) are not sent to Redis; forgotten all at once when full.",
    }),
    downlinkTopic: z.string().default(topicNames.downlink).meta({
      description: "Messages for devices: each goes into its device's mailbox, which the HTTP ingest answers devices from (empty: keep no mailboxes).",
    }),
    mailboxTtl: duration({ min: 1000 }).prefault('7d').meta({ description: "How long a device's mailbox is kept after its last change." }),
  })
  .superRefine((options, ctx) => {
    for (const r of options.resolutions) {
      if (!(r in options.horizons)) ctx.addIssue({ code: 'custom', path: ['horizons', r], message: `no horizon for resolution ${r}: add ${r}=<duration> (for example ${r}=7d)` });
    }
  });

export type RedisSinkOptions = z.output<typeof redisSinkOptionsSchema>;

export function parseRedisSinkOptions(input: unknown): RedisSinkOptions {
  return parseOptions(redisSinkOptionsSchema, input, 'redis-sink options');
}
