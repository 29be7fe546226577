import { z } from 'zod';
import { parseOptions } from '../../lib/config';
import { defaultResolutions } from '../../schemas/topics';
import { sinkConsumerOptions } from '../sink-kit/sink-options';
import { durationPattern, parseDuration } from './duration';

const resolution = z.string().regex(/^[1-9][0-9]*[smhd]$/, 'must be <number><s|m|h|d>');

/** Default horizons: 24 h of 1m, 30 d of 1h, 2 y of 1d. */
export const defaultHorizons: Record<string, string> = { '1m': '24h', '1h': '30d', '1d': '2y' };

export const redisSinkOptionsSchema = z
  .object({
    /** Bootstrap brokers (from KAFKA_BROKERS in the CLI). Required. */
    kafkaBrokers: z.array(z.string().min(1)).min(1),
    /** Confluent-compatible registry URL (SCHEMA_REGISTRY_URL). Required. */
    schemaRegistryUrl: z.string().url(),
    /** Redis URL (REDIS_URL). Required. */
    redisUrl: z.string().regex(/^rediss?:\/\//),
    /** Prefix of every key and channel. Default `fleet:`. */
    keyPrefix: z.string().min(1).default('fleet:'),
    ...sinkConsumerOptions({ groupId: 'fleetstream-redis-sink', fetchMinBytes: 16 * 1024, fetchMaxWaitMs: 20 }),
    /** Rollup resolutions to keep. Default `1m`, `1h`, `1d`. */
    resolutions: z.array(resolution).min(1).default([...defaultResolutions]),
    /** How far back recent rollups are kept, per resolution (`24h`, `30d`, `2y`). Default 24h of 1m, 30d of 1h, 2y of 1d. */
    horizons: z.record(z.string(), z.string().regex(durationPattern, 'must be <number><ms|s|m|h|d|w|y>')).default(defaultHorizons),
    /** Commands per pipeline round trip. Default 1000. */
    pipelineDepth: z.number().int().min(1).max(100_000).default(1000),
    /** Readings per latest-value script call (one Redis command). Default 100. */
    readingsPerCall: z.number().int().min(1).max(10_000).default(100),
  })
  .strict()
  .superRefine((options, ctx) => {
    for (const r of options.resolutions) {
      if (!(r in options.horizons)) ctx.addIssue({ code: 'custom', path: ['horizons', r], message: `no horizon for resolution ${r}: add horizons.${r} (for example "7d")` });
    }
  });

export type RedisSinkOptions = z.output<typeof redisSinkOptionsSchema>;

export function parseRedisSinkOptions(input: unknown): RedisSinkOptions & { horizonMs: Record<string, number> } {
  const options = parseOptions(redisSinkOptionsSchema, input, 'redis-sink options');
  const horizonMs = Object.fromEntries(Object.entries(options.horizons).map(([r, d]) => [r, parseDuration(d)]));
  return { ...options, horizonMs };
}
