/**
 * One publish of the registry's hierarchy to Redis (the layout of
 * schemas/redis-hierarchy.ts): take the lock, read the registry in one
 * snapshot, write it as a new generation, switch `current` to it with one
 * script, release the lock. Idempotent: a second run with nothing changed
 * publishes the same nodes as a new generation.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { FleetstreamError } from '../../lib/errors';
import { readHierarchy, type Registry } from '../../registry';
import { hierarchyCurrentKey, hierarchyGenerationKey, hierarchyLockKey, hierarchyNodesKey, type HierarchyNode } from '../../schemas/redis-hierarchy';
import { countNodes, hierarchyNodes, prunedNodes, type NodeCounts } from './hierarchy-nodes';
import type { HierarchyPublishOptions } from './options';
import { inRedis, redisError } from './redis-error';
import { releaseLock, switchGeneration } from './scripts';

export interface PublishResult extends NodeCounts {
  generation: number;
  /** The registry revision published. */
  revision: number;
  publishedAt: Date;
  /** The generation replaced (it expires after the retired TTL), or null for the first publish. */
  previousGeneration: number | null;
  /** What the previous generation had and this one has not. */
  pruned: NodeCounts;
  ms: number;
}

type PublishSettings = Pick<HierarchyPublishOptions, 'keyPrefix' | 'retiredTtl' | 'lockTimeout' | 'nodesPerCommand'>;

export async function publishHierarchy(registry: Registry, redis: Redis, options: PublishSettings, signal?: AbortSignal): Promise<PublishResult> {
  const started = performance.now();
  const lock = await takeLock(redis, options);
  try {
    signal?.throwIfAborted();
    const hierarchy = await readHierarchy(registry);
    signal?.throwIfAborted();
    const nodes = hierarchyNodes(hierarchy);
    const prefix = options.keyPrefix;
    const previous = await inRedis('reading the current hierarchy generation', redis.hget(hierarchyCurrentKey(prefix), 'generation'));
    const previousPaths = previous === null ? [] : await inRedis('reading the previous hierarchy generation', redis.hkeys(hierarchyNodesKey(prefix, previous)));
    const generation = await inRedis('numbering a hierarchy generation', redis.incr(hierarchyGenerationKey(prefix)));
    const nodesKey = hierarchyNodesKey(prefix, generation);
    try {
      await writeGeneration(redis, nodesKey, nodes, options, signal);
      signal?.throwIfAborted();
    } catch (error) {
      // a generation never made current is read by no one: drop it now rather than when it expires
      await redis.unlink(nodesKey).catch(() => undefined);
      throw error;
    }
    // from here a failure leaves the hash to its expiry: a lost answer may hide a switch that happened
    const counts = countNodes(nodes.keys());
    const publishedAt = new Date();
    const replaced = (await redis
      .eval(switchGeneration, 3, hierarchyCurrentKey(prefix), hierarchyLockKey(prefix), nodesKey, lock, generation, hierarchy.revision, publishedAt.getTime(), counts.tenants, counts.sites, counts.devices, options.retiredTtl, hierarchyNodesKey(prefix, ''))
      .catch((error: Error) => Promise.reject(switchError(error, options)))) as string | null;
    return {
      generation,
      revision: hierarchy.revision,
      publishedAt,
      ...counts,
      previousGeneration: replaced === null ? null : Number(replaced),
      pruned: prunedNodes(previousPaths, nodes),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await redis.eval(releaseLock, 1, hierarchyLockKey(options.keyPrefix), lock).catch(() => undefined);
  }
}

/** The lock's token, or HIERARCHY_PUBLISH_CONFLICT while another publish holds it. */
async function takeLock(redis: Redis, options: PublishSettings): Promise<string> {
  const key = hierarchyLockKey(options.keyPrefix);
  const token = randomBytes(12).toString('hex');
  const taken = await inRedis('taking the hierarchy lock', redis.set(key, token, 'PX', options.lockTimeout, 'NX'));
  if (taken === 'OK') return token;
  const ttl = await redis.pttl(key).catch(() => -1);
  throw new FleetstreamError(
    'HIERARCHY_PUBLISH_CONFLICT',
    `another hierarchy publish holds ${key}${ttl > 0 ? ` for ${Math.ceil(ttl / 1000)} s more` : ''}: run again once it is done (a publish that died holds it until the lock timeout, or delete the key)`,
  );
}

/**
 * Writes the nodes hash, `nodesPerCommand` fields an HSET, pipelined. The
 * first HSET and the expiry go in one MULTI, so the key never exists without
 * it: a run that dies here leaves a hash that expires with its lock.
 */
async function writeGeneration(redis: Redis, key: string, nodes: ReadonlyMap<string, HierarchyNode>, options: PublishSettings, signal?: AbortSignal): Promise<void> {
  const fields = [...nodes].map(([path, node]) => [path, JSON.stringify(node)] as const);
  const chunks: string[][] = [];
  for (let start = 0; start < fields.length; start += options.nodesPerCommand) chunks.push(fields.slice(start, start + options.nodesPerCommand).flat());
  const doing = `writing hierarchy generation ${key}`;
  const [first, ...rest] = chunks;
  failOnError(await inRedis(doing, redis.multi().hset(key, ...first!).pexpire(key, options.lockTimeout).exec()), doing);
  // pipelines of 100 commands: a signal is looked at between them
  for (let start = 0; start < rest.length; start += 100) {
    signal?.throwIfAborted();
    const pipeline = redis.pipeline();
    for (const chunk of rest.slice(start, start + 100)) pipeline.hset(key, ...chunk);
    failOnError(await inRedis(doing, pipeline.exec()), doing);
  }
}

function failOnError(results: [Error | null, unknown][] | null, doing: string): void {
  const failed = results?.find(([error]) => error);
  if (failed) throw redisError(failed[0]!, doing);
}

function switchError(error: Error, options: PublishSettings): FleetstreamError {
  if (/LOCK_LOST|GENERATION_MISSING/.test(error.message)) {
    return new FleetstreamError('HIERARCHY_PUBLISH_CONFLICT', `the publish took longer than its lock timeout (${options.lockTimeout} ms; --lock-timeout): ${error.message}`, { cause: error });
  }
  return redisError(error, 'switching to the new hierarchy generation');
}
