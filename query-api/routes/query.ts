import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';
import { evaluateQuery } from '../query-evaluator';
import { maxQueryLength, parseQuery } from '../query-language/parser';

/** POST /v1/query: the sMAP-style query language. */
export function registerQueryRoute(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: { query: string } }>(
    '/v1/query',
    {
      schema: {
        summary: 'Run an sMAP-style query',
        description: [
          'Forms: `select data before|after <time> where path = "<p>"`, `select data in (<start>, <end>) where ...`,',
          '`apply <sum|mean|min|max|count|delta|natural> to data in (<start>, <end>) where ...`; `where path like "/tenant/site/%"`; `limit N`.',
          'Times: ISO 8601 (UTC unless a zone is given), epoch milliseconds, `now`, offsets such as `now - 1d` (ms, s, m, h, d, w, y; a year is 365 days). Ranges are [start, end).',
          '`before` gives the latest reading at or before the time per series, `after` the first at or after (`limit N` for more).',
          '`apply` answers from rollups and raw readings exactly as over the raw readings; an aggregate that makes no sense for a kind is a 400 AGGREGATE_NOT_APPLICABLE.',
          'A series whose rollups miss stored readings in the range (they arrived older than the correction horizon) carries `incomplete: {tooOld, first, last}`.',
        ].join(' '),
        tags: ['query'],
        body: {
          type: 'object',
          properties: { query: { type: 'string', minLength: 1, maxLength: maxQueryLength, examples: ['apply natural to data in (now - 1d, now) where path like "/acme/plant1/%"'] } },
          required: ['query'],
          additionalProperties: false,
        },
        response: { '4xx': errorBodySchema },
      },
    },
    async (request) => evaluateQuery(context, request.scope, parseQuery(request.body.query)),
  );
}
