import type { Logger } from './logger';

export interface ShutdownOptions {
  logger: Logger;
  /** How long the stop handlers may take before the process exits anyway. Default 15 s. */
  timeoutMs?: number;
  /** Injected for tests; production exits the process. */
  exit?: (code: number) => void;
}

type StopHandler = () => Promise<void>;

/**
 * Graceful shutdown on SIGTERM and SIGINT: runs the registered handlers in
 * reverse order of registration (stop taking input, flush, commit, close), then
 * exits 0; exits 1 if they fail or overrun the bound. `stop(reason, 1)` shuts
 * down the same way and exits 1 (a component that failed for good).
 */
export function installShutdown(options: ShutdownOptions): { onStop(name: string, handler: StopHandler): void; stop(signal: string, exitCode?: number): Promise<void> } {
  const handlers: { name: string; handler: StopHandler }[] = [];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? 15000;
  let stopping: Promise<void> | undefined;

  const stop = (signal: string, exitCode = 0): Promise<void> => {
    stopping ??= (async () => {
      options.logger.info({ event: 'shutdown_started', signal }, 'shutting down');
      const timer = setTimeout(() => {
        options.logger.error({ event: 'shutdown_timeout', timeoutMs }, 'shutdown overran its bound; exiting');
        exit(1);
      }, timeoutMs);
      timer.unref();
      let code = exitCode;
      for (const { name, handler } of [...handlers].reverse()) {
        try {
          await handler();
        } catch (error) {
          code = 1;
          options.logger.error({ event: 'shutdown_step_failed', step: name, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      options.logger.info({ event: 'shutdown_complete', code }, 'stopped');
      exit(code);
    })();
    return stopping;
  };

  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return { onStop: (name, handler) => handlers.push({ name, handler }), stop };
}
