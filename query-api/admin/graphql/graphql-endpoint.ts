/**
 * POST (and GET, for queries) /v1/graphql: the admin API as GraphQL, served by
 * mercurius on the query API's server, behind the same authentication hook as
 * /v1/admin. Queries deeper or costlier than the options allow are refused
 * before they run (query-limits.ts); batched queries are off, so one request
 * is one operation within those limits. Errors carry the registry's codes in
 * `extensions.code` (with the HTTP status the REST route would answer in
 * `extensions.statusCode`).
 */
import type { FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { FleetstreamError } from '../../../lib/errors';
import { httpStatus } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { deviceListLimits } from '../device-operations';
import { adminResolvers } from './admin-resolvers';
import { adminSchema } from './admin-schema';
import { queryLimitsRule, type QueryLimits } from './query-limits';

export const graphqlPath = '/v1/graphql';

export async function registerGraphql(app: FastifyInstance, admin: AdminOperations, limits: QueryLimits): Promise<void> {
  await app.register(mercurius, {
    schema: adminSchema,
    resolvers: adminResolvers(admin),
    path: graphqlPath,
    graphiql: false,
    allowBatchedQueries: false,
    validationRules: [queryLimitsRule(limits, { listSize: 10, maxLimit: deviceListLimits.max })],
    context: (request) => ({ caller: request.caller }),
    errorFormatter: (execution, context) => {
      for (const error of execution.errors) {
        const cause = error.originalError;
        if (cause instanceof FleetstreamError) Object.assign(error, { extensions: { ...error.extensions, code: cause.code, statusCode: httpStatus[cause.code] ?? 500 } });
      }
      return mercurius.defaultErrorFormatter(execution, context);
    },
  });
}
