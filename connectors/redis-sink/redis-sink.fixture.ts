/** Shared by the redis-sink tests: options for fresh resources, and reading back what the sink stored. */
import Redis from 'ioredis';
import type { RunningComponent } from '../../lib/component';
import { componentLogger } from '../../lib/logger';
import type { Measurement } from '../../schemas/types';
import { freshKeyPrefix, onCleanup, testSettings } from '../../test/factories';
import { freshSinkTopics, reading, type SinkTopics } from '../../test/sink-records';
import { start } from './index';

export const resolutions = ['1m', '1h'];
export const t0 = Date.UTC(2024, 0, 1);

export function client(): Redis {
  // the test's own client also lives through the restart test
  const redis = new Redis(testSettings().redisUrl, { maxRetriesPerRequest: 50 });
  redis.on('error', () => undefined);
  onCleanup(async () => { await redis.quit().catch(() => redis.disconnect()); });
  return redis;
}

export function sinkOptions(topics: SinkTopics, keyPrefix: string, groupId: string) {
  const settings = testSettings();
  return {
    kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, redisUrl: settings.redisUrl, keyPrefix, resolutions, groupId,
    measurementsTopic: topics.measurements, rollupTopics: topics.rollups, deadLetterTopic: topics.deadLetter, retryInitial: '100ms', retryMax: '1s',
    // no mailboxes unless a test gives its own downlink topic: the stack's fleet.downlink.v1 is not theirs
    downlinkTopic: '',
  };
}

export async function startSink(options: ReturnType<typeof sinkOptions>): Promise<RunningComponent> {
  const sink = await start(options, componentLogger('redis-sink-test'));
  onCleanup(() => sink.stop().catch(() => undefined));
  return sink;
}

/** What most tests start from: a Redis client, a fresh key prefix (cleaned up after the file) and fresh topics. */
export async function freshResources(partitions?: number): Promise<{ redis: Redis; prefix: string; topics: SinkTopics }> {
  const redis = client();
  const prefix = freshKeyPrefix();
  cleanupKeys(redis, prefix);
  return { redis, prefix, topics: await freshSinkTopics(resolutions, partitions) };
}

function cleanupKeys(redis: Redis, prefix: string): void {
  onCleanup(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
}

/** The newest reading of each path, by event time. */
export function newestByPath(readings: Measurement[]): Map<string, Measurement> {
  const newest = new Map<string, Measurement>();
  for (const m of readings) if (!newest.has(m.path) || newest.get(m.path)!.timestamp < m.timestamp) newest.set(m.path, m);
  return newest;
}

export async function latestMatches(redis: Redis, prefix: string, expected: Map<string, Measurement>): Promise<true | undefined> {
  for (const [path, m] of expected) {
    const hash = await redis.hgetall(`${prefix}latest:${path}`);
    if (hash.time !== String(m.timestamp) || hash.value !== String(m.value)) return undefined;
  }
  return true;
}


export function series(devices: number, perDevice: number, from: number): Measurement[] {
  const out: Measurement[] = [];
  for (let i = from; i < from + perDevice; i++) for (let d = 0; d < devices; d++) out.push(reading(`/t/s/d${d}/m`, t0 + i * 1000, i));
  return out;
}
