import type { Redis } from 'ioredis';
import { FleetstreamError } from '../lib/errors';
import { latestFromHash, latestKey, type LatestValue } from '../schemas/redis-keys';

/** The latest reading of a series, from the redis-sink's hash (schemas/redis-keys.ts). */
export async function readLatest(redis: Redis, keyPrefix: string, path: string): Promise<LatestValue> {
  let fields: Record<string, string>;
  try {
    fields = await redis.hgetall(latestKey(keyPrefix, path));
  } catch (error) {
    throw new FleetstreamError('REDIS_UNAVAILABLE', `Redis read failed: ${(error as Error).message}; check REDIS_URL`, { cause: error });
  }
  const latest = latestFromHash(path, fields);
  if (!latest) throw new FleetstreamError('SERIES_NOT_FOUND', `no latest value for ${path}: the series has no reading yet, or keyPrefix is not the redis-sink's`);
  return latest;
}
