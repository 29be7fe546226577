import { z } from 'zod';
import { connectionOptions, parseOptions } from '../../lib/config';
import { duration, integer } from '../../lib/option-types';
import { registryOptions } from '../../registry/options';

/**
 * Options of `fleetstream hierarchy publish`: flags (`--key-prefix`, ...),
 * plus REDIS_URL and the registry's variables (DATABASE_URL,
 * REGISTRY_DATABASE_SCHEMA).
 */
export const hierarchyPublishOptionsSchema = z.strictObject({
  redisUrl: connectionOptions.redisUrl,
  ...registryOptions,
  keyPrefix: z.string().min(1).default('fleet:').meta({ description: "Prefix of the hierarchy's keys (`<prefix>hierarchy:...`): the redis-sink's REDIS_SINK_KEY_PREFIX." }),
  retiredTtl: duration({ min: 1000 }).prefault('5m').meta({ description: 'How long the generation a publish replaces stays readable, for readers that started on it; then it expires.' }),
  lockTimeout: duration({ min: 1000 }).prefault('10m').meta({
    description: 'A publish holds the lock this long at most; a publish that died holds it until then, and a publish that takes longer fails rather than switch.',
  }),
  nodesPerCommand: integer(1, 100_000).default(500).meta({ description: 'Nodes written per HSET while a generation is written.' }),
});

export type HierarchyPublishOptions = z.output<typeof hierarchyPublishOptionsSchema>;

export function parseHierarchyPublishOptions(input: unknown): HierarchyPublishOptions {
  return parseOptions(hierarchyPublishOptionsSchema, input, 'hierarchy publish options');
}
