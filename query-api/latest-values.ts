import type { Redis } from 'ioredis';
import { FleetstreamError } from '../lib/errors';

export interface LatestValue {
  path: string;
  time: number;
  value: number;
  kind: string;
  unit: string | null;
  receivedAt: number;
}

/** The latest reading of a series, from the redis-sink's hash `<prefix>latest:<path>` (contracts.md). */
export async function readLatest(redis: Redis, keyPrefix: string, path: string): Promise<LatestValue> {
  let fields: Record<string, string>;
  try {
    fields = await redis.hgetall(`${keyPrefix}latest:${path}`);
  } catch (error) {
    throw new FleetstreamError('REDIS_UNAVAILABLE', `Redis read failed: ${(error as Error).message}; check REDIS_URL`, { cause: error });
  }
  if (fields.time === undefined || fields.value === undefined) {
    throw new FleetstreamError('SERIES_NOT_FOUND', `no latest value for ${path}: the series has no reading yet, or keyPrefix is not the redis-sink's`);
  }
  return {
    path,
    time: Number(fields.time),
    value: Number(fields.value),
    kind: fields.kind ?? '',
    unit: fields.unit ? fields.unit : null,
    receivedAt: Number(fields.receivedAt ?? fields.time),
  };
}
