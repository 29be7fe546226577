import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Interface to bind. Default 0.0.0.0, so Kubernetes probes reach it. */
  host?: string;
  registry: Registry;
  /** Whether the component can do its work now (connected, assigned, caught up). */
  ready: () => boolean;
  /** Details `/readyz` reports beside its status (a sink: the partitions whose writes fail). */
  readiness?: () => Record<string, unknown>;
  logger: Logger;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The three endpoints every component serves: `/healthz` (the process lives),
 * `/readyz` (it can do its work; 503 otherwise) and `/metrics` (Prometheus).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...options.readiness?.() });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info({ event: 'ops_server_listening', port }, 'ops server listening');
  return { port, close: () => app.close() };
}
