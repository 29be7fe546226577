/**
 * The device hierarchy job (the Zenatix seed's `publish_device_hierarchy`):
 * `fleetstream hierarchy publish` writes the registry's tree, with device
 * metadata, to Redis for consumers that read metadata there, and prunes what
 * the registry removed. Run by a Kubernetes CronJob, and by the scheduler in
 * the local stack; layout in schemas/redis-hierarchy.ts.
 */
import Redis from 'ioredis';
import { redactUrl } from '../../lib/config';
import { FleetstreamError } from '../../lib/errors';
import { openRegistry } from '../../registry';
import { parseHierarchyPublishOptions } from './options';
import { publishHierarchy, type PublishResult } from './publish';

export type { PublishResult } from './publish';
export { publishSummary } from './publish-summary';

/** One publish; REDIS_UNAVAILABLE or DATABASE_UNAVAILABLE when a server cannot be reached. */
export async function publish(input: unknown, signal?: AbortSignal): Promise<PublishResult> {
  const options = parseHierarchyPublishOptions(input);
  const redis = await connectRedis(options.redisUrl);
  const registry = openRegistry({ ...options, poolSize: 1, applicationName: 'fleetstream-hierarchy-publish' });
  try {
    return await publishHierarchy(registry, redis, options, signal);
  } catch (error) {
    if (error instanceof FleetstreamError && error.code === 'DATABASE_UNAVAILABLE') throw new FleetstreamError(error.code, `${error.message} (check DATABASE_URL)`, { cause: error });
    throw error;
  } finally {
    await registry.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** A connection that fails its commands at once when Redis goes away: a job is run again, not kept waiting. */
async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // a failed command reports it; a failed connect rejects with "Connection is closed", the socket's error says why
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError = error));
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = socketError ?? (error as Error);
    throw new FleetstreamError('REDIS_UNAVAILABLE', `cannot reach Redis at ${redactUrl(url)} (check REDIS_URL): ${cause.message}`, { cause });
  }
}
