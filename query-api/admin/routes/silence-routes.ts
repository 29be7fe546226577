/** /v1/admin/silences/<tenant>[/<id>]: silences of the notifications (silence-operations.ts), as `fleetstream silences` manages them. */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import type { SilenceInput } from '../silence-operations';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const tags = ['admin: silences'];
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const tenantParams = { type: 'object', properties: { tenant: name }, required: ['tenant'], additionalProperties: false } as const;
const idParams = { type: 'object', properties: { tenant: name, id: name }, required: ['tenant', 'id'], additionalProperties: false } as const;
const silenceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: 'string' },
    matchers: { type: 'array', items: { type: 'string' } },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    comment: { type: 'string' },
  },
} as const;

export function registerSilenceRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.post<{ Params: { tenant: string }; Body: SilenceInput }>(
    '/v1/admin/silences/:tenant',
    {
      schema: {
        summary: 'Add a silence (400 SILENCE_INVALID): alerts whose labels match every matcher notify no one from startsAt until endsAt',
        description: "Matchers in Alertmanager's syntax: name=value, name!=value, name=~regex, name!~regex (regexes anchored). createdBy defaults to `token:<the token's id>`.",
        tags,
        params: tenantParams,
        body: {
          type: 'object',
          properties: {
            matchers: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 1000 }, minItems: 1, maxItems: 50 },
            startsAt: { type: 'string', description: 'ISO 8601; default now' },
            endsAt: { type: 'string', description: 'ISO 8601' },
            createdBy: { type: 'string', minLength: 1, maxLength: 200 },
            comment: { type: 'string', maxLength: 4000 },
          },
          required: ['matchers', 'endsAt'],
          additionalProperties: false,
        },
        response: { 201: silenceSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await admin.silences.add(request.caller, request.params.tenant, request.body)),
  );

  app.get<{ Params: { tenant: string }; Querystring: { expired?: boolean } }>(
    '/v1/admin/silences/:tenant',
    {
      schema: {
        summary: "A tenant's silences in force (with ?expired=true the expired ones too), latest end first",
        tags,
        params: tenantParams,
        querystring: { type: 'object', properties: { expired: { type: 'boolean', default: false } }, additionalProperties: false },
        response: { 200: { type: 'array', items: silenceSchema }, ...errors },
      },
    },
    async (request) => admin.silences.list(request.caller, request.params.tenant, request.query.expired === true),
  );

  app.delete<{ Params: { tenant: string; id: string } }>(
    '/v1/admin/silences/:tenant/:id',
    { schema: { summary: 'Expire a silence now (404 SILENCE_NOT_FOUND); it stays listed with ?expired=true', tags, params: idParams, response: { 200: silenceSchema, ...errors } } },
    async (request) => admin.silences.expire(request.caller, request.params.tenant, request.params.id),
  );
}
