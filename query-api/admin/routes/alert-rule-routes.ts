/** /v1/admin/alert-rules/<tenant>[/<id>]: a tenant's alert rules (schemas/alert-rule.ts), as `fleetstream alerts apply` stores them. */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const tags = ['admin: alert rules'];
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const tenantParams = { type: 'object', properties: { tenant: name }, required: ['tenant'], additionalProperties: false } as const;
const ruleParams = { type: 'object', properties: { tenant: name, id: name }, required: ['tenant', 'id'], additionalProperties: false } as const;
const ruleSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    id: { type: 'string' },
    definition: { type: 'object', additionalProperties: true, description: 'the rule as written in a rule document (README: Alerts)' },
    revision: { type: 'integer', description: 'counts the changes of its definition, from 1' },
    source: { type: ['string', 'null'], description: 'the file `alerts apply` read it from, or `api`' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function registerAlertRuleRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.get<{ Params: { tenant: string } }>(
    '/v1/admin/alert-rules/:tenant',
    { schema: { summary: "A tenant's alert rules", tags, params: tenantParams, response: { 200: { type: 'array', items: ruleSchema }, ...errors } } },
    async (request) => admin.alertRules.list(request.caller, request.params.tenant),
  );

  app.get<{ Params: { tenant: string; id: string } }>(
    '/v1/admin/alert-rules/:tenant/:id',
    { schema: { summary: 'One alert rule (404 ALERT_RULE_NOT_FOUND)', tags, params: ruleParams, response: { 200: ruleSchema, ...errors } } },
    async (request) => admin.alertRules.get(request.caller, request.params.tenant, request.params.id),
  );

  app.put<{ Params: { tenant: string; id: string }; Body: Record<string, unknown> }>(
    '/v1/admin/alert-rules/:tenant/:id',
    {
      schema: {
        summary: 'Create or replace an alert rule (400 ALERT_RULE_INVALID naming every problem); the alerts processor reads it at its next refresh',
        description: 'The body is one rule as a rule document writes it (series, reads, severities, clear, keepFiringFor, noData, labels), its id taken from the path. The next `fleetstream alerts apply` of the tenant puts back what its documents hold.',
        tags,
        params: ruleParams,
        body: { type: 'object', additionalProperties: true },
        response: { 200: ruleSchema, ...errors },
      },
    },
    async (request) => admin.alertRules.put(request.caller, request.params.tenant, request.params.id, request.body),
  );

  app.delete<{ Params: { tenant: string; id: string } }>(
    '/v1/admin/alert-rules/:tenant/:id',
    { schema: { summary: 'Remove an alert rule: its open alerts end at the processor\'s next refresh', tags, params: ruleParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await admin.alertRules.remove(request.caller, request.params.tenant, request.params.id);
      return reply.code(204).send();
    },
  );
}
