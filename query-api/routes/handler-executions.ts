import type { FastifyInstance } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import { executionNotFound, executionStatements, parseExecutionOrigin, redactCredentials, type ExecutionDetail, type ExecutionRow } from '../../stream-processors/handlers/execution-history';
import { handlerOriginKinds, handlerStates } from '../../schemas/types';
import type { ApiContext } from '../context';
import { epochMs } from '../database';
import { errorBodySchema } from '../http-errors';
import { requestedTenant } from '../tenant-scope';

const time = (description: string) => ({ type: ['number', 'null'], description: `${description}, epoch ms` });
const executionProperties = {
  executionId: { type: 'string' },
  tenant: { type: 'string' },
  handler: { type: 'string' },
  originKind: { type: 'string', enum: handlerOriginKinds },
  originId: { type: 'string', description: 'the automation, the notification policy, or the API request that asked for it' },
  trigger: { type: 'string' },
  state: { type: 'string', enum: handlerStates },
  attempts: { type: 'integer' },
  detail: { type: ['string', 'null'], description: 'the last attempt\'s error, or what the handler answered' },
  requestedAt: { type: 'number', description: 'epoch ms' },
  nextAttemptAt: time('when it is tried again; null when finished or running'),
  finishedAt: time('null: not finished'),
} as const;
const detailProperties = {
  ...executionProperties,
  target: { type: 'object', additionalProperties: true, description: 'the handler\'s target, credentials shown as ***' },
  payload: { type: 'string' },
  firedAt: { type: 'number', description: 'epoch ms' },
  deadlineAt: time('past it the execution expires'),
  receiver: { type: 'string' },
  awaitedId: { type: ['string', 'null'], description: 'the command or shadow request whose answer finishes it' },
  updatedAt: { type: 'number', description: 'epoch ms' },
} as const;
const tenantParameter = { type: 'string', minLength: 1, maxLength: 128, description: "default: the token's tenant (the admin token must name one)" } as const;

/**
 * GET /v1/handler-executions: what the handler workers did with each
 * request of the token's tenant (its automations, notification policies and
 * API requests), newest first; GET /v1/handler-executions/<id>: one, with
 * its target (credentials redacted) and payload. From `handler_executions`
 * in the registry's schema, kept until HANDLERS_RETENTION after each finished.
 */
export function registerHandlerExecutionsRoute(app: FastifyInstance, context: ApiContext): void {
  const statements = executionStatements(context.options.registrySchema, epochMs);
  app.get<{ Querystring: { tenant?: string; origin?: string; state?: (typeof handlerStates)[number]; before?: string; limit?: number } }>(
    '/v1/handler-executions',
    {
      schema: {
        summary: "The handler workers' executions, newest first: state, attempts, the last error",
        tags: ['automations'],
        querystring: {
          type: 'object',
          properties: {
            tenant: tenantParameter,
            origin: { type: 'string', pattern: `^(${handlerOriginKinds.join('|')})/.+$`, description: 'of one origin: automation/<id>, notification/<policy id> or api/<id>' },
            state: { type: 'string', enum: handlerStates },
            before: { type: 'string', format: 'date-time', description: 'requested before this (paging back)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { tenant: { type: 'string' }, executions: { type: 'array', items: { type: 'object', properties: executionProperties } } } }, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const tenant = requestedTenant(request.scope, request.query.tenant);
      // the querystring's pattern let only a parseable origin through
      const origin = request.query.origin === undefined ? undefined : parseExecutionOrigin(request.query.origin);
      const values = statements.listValues({
        tenant,
        originKind: origin?.kind,
        originId: origin?.id,
        state: request.query.state,
        before: request.query.before === undefined ? undefined : new Date(Date.parse(request.query.before)).toISOString(),
        limit: request.query.limit ?? 100,
      });
      return { tenant, executions: await context.db.query<ExecutionRow<number>>(statements.list, values) };
    },
  );
  app.get<{ Params: { id: string }; Querystring: { tenant?: string } }>(
    '/v1/handler-executions/:id',
    {
      schema: {
        summary: 'One execution of a handler request, its target\'s credentials redacted',
        tags: ['automations'],
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['id'], additionalProperties: false },
        querystring: { type: 'object', properties: { tenant: tenantParameter }, additionalProperties: false },
        response: { 200: { type: 'object', properties: detailProperties }, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const tenant = requestedTenant(request.scope, request.query.tenant);
      const [row] = await context.db.query<ExecutionDetail<number>>(statements.find, [request.params.id]);
      // another tenant's is answered as missing: its id says nothing to this token
      if (!row || row.tenant !== tenant) throw new FleetstreamError('EXECUTION_NOT_FOUND', `tenant ${tenant}: ${executionNotFound(request.params.id)}`);
      return { ...row, target: redactCredentials(row.target) };
    },
  );
}
