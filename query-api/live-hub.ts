import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';
import { liveChannel, liveChannelPattern, parseLiveMessage, type LiveValue } from '../schemas/redis-keys';

export type LiveListener = (value: LiveValue) => void;

/**
 * Fans Redis pub/sub out to live streams over one subscriber connection:
 * SUBSCRIBE per watched path, PSUBSCRIBE `<prefix>live:<pathPrefix>*` per
 * watched prefix, each dropped when its last listener leaves.
 */
export function createLiveHub(subscriber: Redis, keyPrefix: string, logger: Logger) {
  type Watchers = { listeners: Set<LiveListener>; subscribed: Promise<unknown> };
  const byChannel = new Map<string, Watchers>();
  const byPattern = new Map<string, Watchers>();

  const dispatch = (watchers: Watchers | undefined, channel: string, message: string) => {
    if (!watchers) return;
    let value: LiveValue;
    try {
      value = parseLiveMessage(keyPrefix, channel, message);
    } catch (error) {
      logger.warn({ event: 'live_message_unreadable', channel, err: error }, 'live message is not JSON; skipped');
      return;
    }
    for (const listener of watchers.listeners) listener(value);
  };
  subscriber.on('message', (channel: string, message: string) => dispatch(byChannel.get(channel), channel, message));
  subscriber.on('pmessage', (pattern: string, channel: string, message: string) => dispatch(byPattern.get(pattern), channel, message));

  const watch = async (map: Map<string, Watchers>, key: string, listener: LiveListener, subscribe: () => Promise<unknown>, unsubscribe: () => Promise<unknown>) => {
    let watchers = map.get(key);
    if (!watchers) {
      watchers = {
        listeners: new Set(),
        subscribed: subscribe().catch((error: unknown) => {
          map.delete(key);
          throw error;
        }),
      };
      map.set(key, watchers);
    }
    watchers.listeners.add(listener);
    await watchers.subscribed;
    return async () => {
      const current = map.get(key);
      if (!current?.listeners.delete(listener) || current.listeners.size > 0) return;
      map.delete(key);
      await unsubscribe().catch((error: unknown) => logger.warn({ event: 'live_unsubscribe_failed', key, err: error }, 'unsubscribe failed'));
    };
  };

  return {
    /** Calls `listener` with every value published for `path`; resolves, once subscribed, to the function that stops it. */
    watchPath(path: string, listener: LiveListener): Promise<() => Promise<void>> {
      const channel = liveChannel(keyPrefix, path);
      return watch(byChannel, channel, listener, () => subscriber.subscribe(channel), () => subscriber.unsubscribe(channel));
    },
    /** Same for every path starting with `prefix`. */
    watchPrefix(prefix: string, listener: LiveListener): Promise<() => Promise<void>> {
      const pattern = liveChannelPattern(keyPrefix, prefix);
      return watch(byPattern, pattern, listener, () => subscriber.psubscribe(pattern), () => subscriber.punsubscribe(pattern));
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
