import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { FleetstreamError } from '../lib/errors';
import type { ApiContext } from './context';
import { registerAdminRoutes } from './admin/routes';
import { registerGraphql } from './admin/graphql/graphql-endpoint';
import { errorBody, errorHandler } from './http-errors';
import { registerAlertsRoute } from './routes/alerts';
import { registerAutomationsRoute } from './routes/automations';
import { registerHandlerExecutionsRoute } from './routes/handler-executions';
import { registerCommandRoutes, isCommandRoute } from './routes/commands';
import { registerConfigurationRoutes } from './routes/configuration';
import { registerDataRoute } from './routes/data';
import { registerLatestRoute } from './routes/latest';
import { registerLiveRoute } from './routes/live';
import { registerQueryRoute } from './routes/query';
import { registerSeriesRoute } from './routes/series';
import { registerShadowRoutes } from './routes/shadow';
import { registerWebhookRoutes } from './routes/webhooks';

/** The Fastify app: OpenAPI document at /openapi.json, token-checked /v1 routes, JSON errors. */
export async function buildServer(context: ApiContext, metrics: Registry): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  const duration = new Histogram({
    name: 'query_api_request_duration_seconds',
    help: 'HTTP request time by route and status',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [metrics],
  });
  const errors = new Counter({ name: 'query_api_errors_total', help: 'error answers by code', labelNames: ['code'], registers: [metrics] });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'fleetstream query API', version: '1', description: 'sMAP-style queries, series, latest values, ranges and live values, commands to devices, and the admin API over the device registry (also as GraphQL at /v1/graphql); every /v1 route needs a bearer token.' },
      components: { securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerToken: [] }],
    },
  });
  app.setErrorHandler(errorHandler(context.logger, (code) => errors.inc({ code })));
  app.setNotFoundHandler((request, reply) => {
    const body = errorBody(new FleetstreamError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; the routes are listed at /openapi.json`));
    errors.inc({ code: body.code });
    return reply.code(404).send(body);
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.addHook('onRequest', async (request) => {
    if (isAdminRoute(request.url)) request.caller = await context.auth.caller(request.headers.authorization);
    else if (request.url.startsWith('/v1/')) request.scope = await context.auth.scope(request.headers.authorization);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerQueryRoute(app, context);
  registerSeriesRoute(app, context);
  registerLatestRoute(app, context);
  registerDataRoute(app, context);
  registerLiveRoute(app, context);
  registerShadowRoutes(app, context);
  registerCommandRoutes(app, context);
  registerAlertsRoute(app, context);
  registerAutomationsRoute(app, context);
  registerHandlerExecutionsRoute(app, context);
  registerAdminRoutes(app, context.admin);
  registerConfigurationRoutes(app, context.configuration);
  registerWebhookRoutes(app, context.webhooks);
  await registerGraphql(app, context.admin, { maxDepth: context.options.graphqlMaxDepth, maxCost: context.options.graphqlMaxCost }, context.logger);
  return app;
}

/** The admin API's routes and the commands, which take registry tokens with their roles. */
function isAdminRoute(url: string): boolean {
  return url.startsWith('/v1/admin/') || url === '/v1/graphql' || url.startsWith('/v1/graphql?') || isCommandRoute(url);
}
