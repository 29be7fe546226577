/** /v1/admin/<kind>/<tenant>[/<id>]: a tenant's definitions kept in git and applied by a CLI command (alert rules, automations), one at a time. */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../http-errors';
import type { TenantDocumentOperations } from '../tenant-document-operations';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const tenantParams = { type: 'object', properties: { tenant: name }, required: ['tenant'], additionalProperties: false } as const;
const idParams = { type: 'object', properties: { tenant: name, id: name }, required: ['tenant', 'id'], additionalProperties: false } as const;

export interface TenantDocumentRoutes {
  /** `/v1/admin/alert-rules` */
  prefix: string;
  /** `alert rule` */
  what: string;
  /** `alert rules` */
  whats: string;
  /** the apply command (`alerts apply`) */
  apply: string;
  /** the document README section (`Alerts`) */
  readme: string;
  invalid: string;
  notFound: string;
  /** what a PUT's body is, after "The body is one <what> as a document writes it" */
  body: string;
  /** what happens after a PUT and after a DELETE */
  afterPut: string;
  afterDelete: string;
}

export function registerTenantDocumentRoutes(app: FastifyInstance, operations: TenantDocumentOperations, r: TenantDocumentRoutes): void {
  const tags = [`admin: ${r.whats}`];
  const documentSchema = {
    type: 'object',
    properties: {
      tenant: { type: 'string' },
      id: { type: 'string' },
      definition: { type: 'object', additionalProperties: true, description: `the ${r.what} as written in a document (README: ${r.readme})` },
      revision: { type: 'integer', description: 'counts the changes of its definition, from 1' },
      source: { type: ['string', 'null'], description: `the file \`${r.apply}\` read it from, or \`api\`` },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  } as const;

  app.get<{ Params: { tenant: string } }>(
    `${r.prefix}/:tenant`,
    { schema: { summary: `A tenant's ${r.whats}`, tags, params: tenantParams, response: { 200: { type: 'array', items: documentSchema }, ...errors } } },
    async (request) => operations.list(request.caller, request.params.tenant),
  );

  app.get<{ Params: { tenant: string; id: string } }>(
    `${r.prefix}/:tenant/:id`,
    { schema: { summary: `One ${r.what} (404 ${r.notFound})`, tags, params: idParams, response: { 200: documentSchema, ...errors } } },
    async (request) => operations.get(request.caller, request.params.tenant, request.params.id),
  );

  app.put<{ Params: { tenant: string; id: string }; Body: Record<string, unknown> }>(
    `${r.prefix}/:tenant/:id`,
    {
      schema: {
        summary: `Create or replace an ${r.what} (400 ${r.invalid} naming every problem); ${r.afterPut}`,
        description: `The body is one ${r.what} as a document writes it (${r.body}), its id taken from the path. The next \`fleetstream ${r.apply}\` of the tenant puts back what its documents hold.`,
        tags,
        params: idParams,
        body: { type: 'object', additionalProperties: true },
        response: { 200: documentSchema, ...errors },
      },
    },
    async (request) => operations.put(request.caller, request.params.tenant, request.params.id, request.body),
  );

  app.delete<{ Params: { tenant: string; id: string } }>(
    `${r.prefix}/:tenant/:id`,
    { schema: { summary: `Remove an ${r.what}: ${r.afterDelete}`, tags, params: idParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await operations.remove(request.caller, request.params.tenant, request.params.id);
      return reply.code(204).send();
    },
  );
}
