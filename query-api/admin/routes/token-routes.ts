/** /v1/admin/tokens: create (201, with the token once), list, revoke. */
import type { FastifyInstance } from 'fastify';
import type { TokenRole } from '../../../registry';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { tokenRecordSchema } from './admin-schemas';

const errors = { '4xx': errorBodySchema };
const tags = ['admin: tokens'];

export function registerTokenRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.post<{ Body: { tenant: string | null; role: TokenRole; description?: string } }>(
    '/v1/admin/tokens',
    {
      schema: {
        summary: 'Create an API token; it is in this answer only (the registry keeps its SHA-256)',
        description: 'A tenant admin creates tokens of its tenant; `tenant: null` (a platform admin token) takes a platform admin.',
        tags,
        body: {
          type: 'object',
          properties: { tenant: { type: ['string', 'null'] }, role: { type: 'string', enum: ['read', 'admin'] }, description: { type: 'string', maxLength: 1000 } },
          required: ['tenant', 'role'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, record: tokenRecordSchema } }, ...errors },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return admin.tokens.create(request.caller, request.body);
    },
  );

  app.get<{ Querystring: { tenant?: string } }>(
    '/v1/admin/tokens',
    {
      schema: {
        summary: 'List API tokens, revoked ones too, never a secret (needs an admin token)',
        tags,
        querystring: { type: 'object', properties: { tenant: { type: 'string' } }, additionalProperties: false },
        response: { 200: { type: 'array', items: tokenRecordSchema }, ...errors },
      },
    },
    async (request) => admin.tokens.list(request.caller, request.query.tenant),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/admin/tokens/:id/revoke',
    {
      schema: {
        summary: 'Revoke an API token: refused from the next request on',
        tags,
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'], additionalProperties: false },
        response: { 200: tokenRecordSchema, ...errors },
      },
    },
    async (request) => admin.tokens.revoke(request.caller, request.params.id),
  );
}
