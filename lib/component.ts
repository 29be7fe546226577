import type { Registry } from 'prom-client';
import { componentLogger, type Logger } from './logger';
import { startOpsServer } from './ops-server';
import { installShutdown } from './shutdown';

/** What every component's `start(options)` resolves to. */
export interface RunningComponent {
  /** Whether it can do its work now; `/readyz` answers from this. */
  ready(): boolean;
  /** What `/readyz` reports beside its status, such as a sink's failing partitions. */
  readiness?(): Record<string, unknown>;
  /** Stop taking input, flush, commit, disconnect. */
  stop(): Promise<void>;
  metrics: Registry;
  /**
   * Settles when the component stopped working for good (a Kafka consumer
   * kafkajs will not restart): the process then shuts down and exits 1, so
   * that whatever supervises it (Kubernetes) starts it anew, rather than
   * living on unready.
   */
  failed?: Promise<Error>;
}

export interface ComponentRun {
  name: string;
  /** Port of the `/healthz`, `/readyz`, `/metrics` server (the CLI passes OPS_PORT here once validated). */
  opsPort: number;
  start(logger: Logger): Promise<RunningComponent>;
  /** Injected for tests; production exits the process. */
  exit?: (code: number) => void;
}

/**
 * Runs one component as a process: starts it, serves its ops endpoints, stops
 * it on SIGTERM, and exits 1 if it fails, or if it or its ops server fails to
 * start (the component's own start closes what it opened; see
 * lib/opened-resources.ts).
 */
export async function runComponent(run: ComponentRun): Promise<void> {
  const logger = componentLogger(run.name);
  const shutdown = installShutdown({ logger, exit: run.exit });
  await serve(run, logger, shutdown).catch(async (error: unknown) => {
    // a process without its ops server is one no probe can see: it must not live on
    logger.fatal({ event: 'component_start_failed', err: error }, `${run.name} failed to start; exiting`);
    await shutdown.stop('start_failed', 1);
  });
}

async function serve(run: ComponentRun, logger: Logger, shutdown: ReturnType<typeof installShutdown>): Promise<void> {
  const component = await run.start(logger);
  shutdown.onStop('component', () => component.stop());
  const port = run.opsPort;
  const ops = await startOpsServer({ port, registry: component.metrics, ready: () => component.ready(), readiness: () => component.readiness?.() ?? {}, logger });
  shutdown.onStop('ops-server', () => ops.close());
  logger.info({ event: 'component_started', opsPort: ops.port }, `${run.name} started`);
  void component.failed?.then((error) => {
    logger.fatal({ event: 'component_failed', err: error }, `${run.name} stopped working; exiting to be restarted`);
    void shutdown.stop('failure', 1);
  });
}
