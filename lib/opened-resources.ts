import type { Logger } from './logger';

type Close = () => Promise<unknown> | unknown;

/**
 * What a component's start has opened so far (Kafka clients, pools, Redis and
 * MQTT connections, servers), closed newest first: by the component's `stop`,
 * and by `closeOnFailure` when start fails part-way, so that a failed start
 * leaves no socket or timer that keeps the process alive.
 */
export class OpenedResources {
  private readonly opened: { name: string; close: Close }[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers how to close something just opened, or about to be (its `close` then copes with a half-open one). */
  add(name: string, close: Close): void {
    this.opened.push({ name, close });
  }

  /** Closes everything, newest first; a failure does not stop the rest from closing, and the first one is thrown at the end. */
  async close(): Promise<void> {
    let first: { error: unknown } | undefined;
    for (const { name, close } of this.opened.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.logger.error({ event: 'close_failed', resource: name, err: error }, `closing ${name} failed`);
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }
}

/**
 * Runs a component's start with a fresh set of opened resources: if it throws,
 * what it had opened is closed, newest first, and its error is rethrown.
 */
export async function closeOnFailure<T>(logger: Logger, start: (opened: OpenedResources) => Promise<T>): Promise<T> {
  const opened = new OpenedResources(logger);
  try {
    return await start(opened);
  } catch (error) {
    // a closing failure is logged by close(); the start's own error is what the caller needs
    await opened.close().catch(() => undefined);
    throw error;
  }
}
