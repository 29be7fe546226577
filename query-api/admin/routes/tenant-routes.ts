/** /v1/admin/tenants, /v1/admin/tenants/<tenant>[/sites] and /v1/admin/hierarchy: reads of the registry's tree. */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { hierarchySchema, siteSchema, tenantSchema } from './admin-schemas';

const errors = { '4xx': errorBodySchema };
const tags = ['admin: tenants'];
const tenantParams = { type: 'object', properties: { tenant: { type: 'string', minLength: 1 } }, required: ['tenant'], additionalProperties: false };

export function registerTenantRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.get(
    '/v1/admin/tenants',
    { schema: { summary: 'List tenants (a tenant token sees its own)', tags, response: { 200: { type: 'array', items: tenantSchema }, ...errors } } },
    async (request) => admin.tenants.list(request.caller),
  );

  app.get<{ Params: { tenant: string } }>(
    '/v1/admin/tenants/:tenant',
    { schema: { summary: 'Show a tenant', tags, params: tenantParams, response: { 200: tenantSchema, ...errors } } },
    async (request) => admin.tenants.show(request.caller, request.params.tenant),
  );

  app.get<{ Params: { tenant: string } }>(
    '/v1/admin/tenants/:tenant/sites',
    { schema: { summary: "List a tenant's sites", tags, params: tenantParams, response: { 200: { type: 'array', items: siteSchema }, ...errors } } },
    async (request) => admin.tenants.sites(request.caller, request.params.tenant),
  );

  app.get<{ Querystring: { tenant?: string; site?: string } }>(
    '/v1/admin/hierarchy',
    {
      schema: {
        summary: 'The device hierarchy: tenants, sites, devices with metadata, parents and children, as of one registry revision',
        tags,
        querystring: { type: 'object', properties: { tenant: { type: 'string' }, site: { type: 'string', description: 'needs tenant' } }, additionalProperties: false },
        response: { 200: hierarchySchema, ...errors },
      },
    },
    async (request) => admin.tenants.hierarchy(request.caller, request.query),
  );
}
