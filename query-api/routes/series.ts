import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';
import { listSeries } from '../series-catalogue';

/** GET /v1/series?prefix=: the series under a path prefix (the device hierarchy). */
export function registerSeriesRoute(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { prefix: string; limit?: number } }>(
    '/v1/series',
    {
      schema: {
        summary: 'List the series under a path prefix',
        tags: ['series'],
        querystring: {
          type: 'object',
          properties: {
            prefix: { type: 'string', minLength: 1, description: 'a path prefix such as /acme/plant1 (whole segments: /acme/plant1 does not match /acme/plant10)' },
            limit: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
          },
          required: ['prefix'],
          additionalProperties: false,
        },
        response: { '4xx': errorBodySchema },
      },
    },
    async (request) => listSeries(context.db, context.tables, request.scope, request.query.prefix, Math.min(request.query.limit ?? 1000, context.options.maxSeries)),
  );
}
