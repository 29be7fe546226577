/**
 * POST (and GET, for queries) /v1/graphql: the admin API as GraphQL, served by
 * mercurius on the query API's server, behind the same authentication hook as
 * /v1/admin. Queries deeper or costlier than the options allow are refused
 * before they run (query-limits.ts); batched queries are off, so one request
 * is one operation within those limits. Errors carry the registry's codes in
 * `extensions.code` (with the HTTP status the REST route would answer in
 * `extensions.statusCode`); a request refused before it runs (no token, an
 * unknown or revoked one) is answered with that status, 401, as a GraphQL
 * error body.
 */
import type { FastifyInstance } from 'fastify';
import { GraphQLError } from 'graphql';
import mercurius from 'mercurius';
import { FleetstreamError } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';
import { httpStatus } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { deviceListLimits } from '../device-operations';
import { adminResolvers } from './admin-resolvers';
import { adminSchema } from './admin-schema';
import { queryLimitsRule, type QueryLimits } from './query-limits';

export const graphqlPath = '/v1/graphql';

/** A resolver's error with its code; an unexpected one (a bug) is logged and answered without its message, as the REST routes do. */
function withCode(error: GraphQLError, logger: Logger): GraphQLError {
  const cause = error.originalError;
  if (cause instanceof FleetstreamError) return Object.assign(error, { extensions: { ...error.extensions, code: cause.code, statusCode: httpStatus[cause.code] ?? 500 } });
  if (cause === undefined || cause === null || cause instanceof GraphQLError || 'errors' in cause) return error;
  logger.error({ event: 'graphql_resolver_failed', path: error.path, err: cause }, 'GraphQL resolver failed');
  return new GraphQLError('unexpected failure; the query-api log has the details', { nodes: error.nodes, path: error.path, extensions: { code: 'INTERNAL', statusCode: 500 } });
}

export async function registerGraphql(app: FastifyInstance, admin: AdminOperations, limits: QueryLimits, logger: Logger): Promise<void> {
  await app.register(mercurius, {
    schema: adminSchema,
    resolvers: adminResolvers(admin),
    path: graphqlPath,
    graphiql: false,
    allowBatchedQueries: false,
    // no parsed-query cache: admin traffic is light, parsing and validating a query takes well under a millisecond,
    // and mercurius loads its cache (quick-lru, an ES module) with import(), which Jest's CommonJS runtime refuses
    cache: false,
    validationRules: [queryLimitsRule(limits, { listSize: 10, maxLimit: deviceListLimits.max, embeddedTypes: new Set(['Tag', 'Location', 'Credentials']) })],
    context: (request) => ({ caller: request.caller }),
    errorFormatter: (execution, context) => {
      const formatted = mercurius.defaultErrorFormatter({ ...execution, errors: execution.errors.map((error) => withCode(error, logger)) }, context);
      // no data at all: the request was refused before anything ran (the authentication hook), so its HTTP status says why
      const cause = execution.errors.length === 1 ? execution.errors[0]!.originalError : undefined;
      if (execution.data === undefined && cause instanceof FleetstreamError) return { ...formatted, statusCode: httpStatus[cause.code] ?? 500 };
      return formatted;
    },
  });
}
