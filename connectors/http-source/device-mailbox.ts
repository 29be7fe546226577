/**
 * The HTTP devices' side of their mailboxes in Redis (schemas/redis-keys.ts;
 * the redis-sink fills them from fleet.downlink.v1). A request marks its
 * device as one that talks HTTP, so its commands are kept for it, and takes
 * what is pending, waiting up to the time the device asked for when nothing
 * is. Redis trouble never fails a device's request: it is answered with
 * nothing pending, and counted.
 */
import Redis from 'ioredis';
import type { Logger } from '../../lib/logger';
import { httpDeviceKey, mailboxChannel, mailboxKey } from '../../schemas/redis-keys';
import { commandRequestFields, readMailbox, type DownlinkItem } from './mailbox-items';

export interface DeviceMailbox {
  collect(deviceKey: string, waitMs: number): Promise<DownlinkItem[]>;
  /** The device answered command `commandId`: its request leaves the mailbox. */
  answered(deviceKey: string, commandId: string): Promise<void>;
  close(): Promise<void>;
}

export interface DeviceMailboxOptions {
  redisUrl: string;
  keyPrefix: string;
  /** How long a device counts as one that talks HTTP after its last request. */
  httpDeviceTtlMs: number;
  logger: Logger;
  onError(): void;
  now?: () => number;
}

export async function openDeviceMailbox(options: DeviceMailboxOptions): Promise<DeviceMailbox> {
  const { keyPrefix: prefix, logger, now = Date.now } = options;
  const connect = () => {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (times) => Math.min(100 * 2 ** times, 5000) });
    redis.on('error', (error: Error) => logger.debug({ event: 'mailbox_redis_error', err: error }, 'mailbox Redis connection error'));
    return redis;
  };
  const redis = connect();
  const notifications = connect();
  const waiters = new Map<string, Set<() => void>>();
  const channelPrefix = mailboxChannel(prefix, '');
  notifications.on('pmessage', (_pattern: string, channel: string) => {
    for (const wake of waiters.get(channel.slice(channelPrefix.length)) ?? []) wake();
  });
  // not waiting for Redis at start: the readings do not need it, and ioredis connects in the background
  void Promise.all([redis.connect(), notifications.connect().then(() => notifications.psubscribe(`${channelPrefix}*`))]).catch((error: unknown) =>
    logger.warn({ event: 'mailbox_unavailable', err: error }, 'cannot reach Redis (REDIS_URL): devices get no commands or configuration over HTTP until it answers'),
  );

  const failed = (error: unknown): DownlinkItem[] => {
    options.onError();
    logger.warn({ event: 'mailbox_read_failed', err: error }, 'reading a device mailbox failed; answered with nothing pending');
    return [];
  };
  const take = async (deviceKey: string): Promise<DownlinkItem[]> => {
    const key = mailboxKey(prefix, deviceKey);
    const { items, remove } = readMailbox(await redis.hgetall(key), now());
    if (remove.length > 0) await redis.hdel(key, ...remove);
    return items;
  };
  /** Resolves on the device's next mailbox change, or after `ms`. */
  const nextChange = (deviceKey: string, ms: number): { changed: Promise<void>; cancel(): void } => {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, ms);
    const set = waiters.get(deviceKey) ?? new Set();
    waiters.set(deviceKey, set.add(wake));
    return {
      changed,
      cancel: () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) waiters.delete(deviceKey);
      },
    };
  };

  return {
    async collect(deviceKey, waitMs) {
      try {
        await redis.set(httpDeviceKey(prefix, deviceKey), '1', 'PX', options.httpDeviceTtlMs);
        // listening before the first look: a change between the look and the wait is not missed
        const waiting = waitMs > 0 && notifications.status === 'ready' ? nextChange(deviceKey, waitMs) : undefined;
        try {
          const items = await take(deviceKey);
          if (items.length > 0 || !waiting) return items;
          await waiting.changed;
          return await take(deviceKey);
        } finally {
          waiting?.cancel();
        }
      } catch (error) {
        return failed(error);
      }
    },
    async answered(deviceKey, commandId) {
      try {
        const key = mailboxKey(prefix, deviceKey);
        const fields = commandRequestFields(await redis.hkeys(key), commandId);
        if (fields.length > 0) await redis.hdel(key, ...fields);
      } catch (error) {
        failed(error);
      }
    },
    async close() {
      for (const set of waiters.values()) for (const wake of set) wake();
      await Promise.all([redis.quit().catch(() => redis.disconnect()), notifications.quit().catch(() => notifications.disconnect())]);
    },
  };
}
