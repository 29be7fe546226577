import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';
import { readLatest } from '../latest-values';
import { checkPath } from '../tenant-scope';

/** GET /v1/latest?path=: the latest value of a series, from Redis. */
export function registerLatestRoute(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { path: string } }>(
    '/v1/latest',
    {
      schema: {
        summary: 'The latest value of a series',
        tags: ['series'],
        querystring: {
          type: 'object',
          properties: { path: { type: 'string', minLength: 1, description: 'series path /<tenant>/<site>/<device>/<metric>' } },
          required: ['path'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              path: { type: 'string' },
              time: { type: 'number', description: 'event time, epoch ms' },
              value: { type: 'number' },
              kind: { type: 'string' },
              unit: { type: ['string', 'null'] },
              receivedAt: { type: 'number', description: 'epoch ms' },
            },
          },
          '4xx': errorBodySchema,
        },
      },
    },
    async (request) => {
      checkPath(request.scope, request.query.path);
      return readLatest(context.redis, context.options.keyPrefix, request.query.path);
    },
  );
}
