/**
 * Keeps a LISTEN connection to the registry open for as long as a component
 * runs (the query API, the HTTP source): each notification goes to
 * `onChange`; after a connection is (re)established `onResync` runs, since
 * notifications sent while it was down are lost. A failed connection is
 * retried every `retryMs`; the component starts without waiting for it (its
 * caches expire on their own meanwhile).
 */
import type { Logger } from '../lib/logger';
import { listenToRegistry, type RegistryChangeListener } from './change-listener';
import type { RegistryNotification } from './registry-change';

export interface RegistryFollower {
  close(): Promise<void>;
}

export function followRegistry(
  registry: { databaseUrl: string; databaseSchema: string },
  handlers: { onChange(notification: RegistryNotification): void; onResync(): void },
  logger: Logger,
  retryMs = 1000,
): RegistryFollower {
  let listener: RegistryChangeListener | undefined;
  let retry: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  const reconnect = (error: Error): void => {
    logger.warn({ event: 'registry_listen_failed', err: error, retryMs }, 'not following registry changes; retrying');
    const broken = listener;
    listener = undefined;
    void broken?.close().catch(() => undefined);
    if (!closed && !retry) retry = setTimeout(connect, retryMs);
  };
  function connect(): void {
    retry = undefined;
    connecting = listenToRegistry(registry, handlers.onChange, reconnect).then(
      async (opened) => {
        if (closed) return opened.close().catch(() => undefined);
        listener = opened;
        handlers.onResync();
        logger.debug({ event: 'registry_following', schema: registry.databaseSchema }, 'following registry changes');
      },
      reconnect,
    );
  }
  connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      await listener?.close().catch(() => undefined);
    },
  };
}
