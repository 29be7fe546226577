/**
 * /v1/admin/webhooks/<tenant>/subscriptions: a tenant's webhook subscriptions
 * (issue 17, item 5), which the `webhooks` republisher delivers. Under
 * /v1/admin, so registry tokens with their roles, as every admin route.
 */
import type { FastifyInstance } from 'fastify';
import { webhookEventTypes, webhookLimits, webhookPayloadKinds } from '../../schemas/webhooks';
import { errorBodySchema } from '../http-errors';
import type { SubscriptionChange, SubscriptionInput } from '../webhooks/subscription-store';
import type { WebhookOperations } from '../webhooks/webhook-operations';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const tags = ['admin: webhooks'];
const base = '/v1/admin/webhooks/:tenant/subscriptions';
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const tenantParams = { type: 'object', properties: { tenant: name }, required: ['tenant'], additionalProperties: false } as const;
const idParams = { type: 'object', properties: { tenant: name, id: name }, required: ['tenant', 'id'], additionalProperties: false } as const;

const fields = {
  url: { type: 'string', minLength: 1, maxLength: webhookLimits.urlMaxLength, description: 'http(s) endpoint; it must resolve to a public address unless the republisher allows private ones' },
  eventTypes: { type: 'array', items: { type: 'string', enum: webhookEventTypes }, minItems: 1, uniqueItems: true, description: 'measurement, rollup.1m, rollup.1h, rollup.1d (final rollups and corrections), command.answer (a command finished), alert (every transition of an alert: pending, firing, resolved, ...)' },
  pathFilter: { type: 'string', minLength: 1, maxLength: 1024, description: 'MQTT-style filter over series paths inside the tenant (`/acme/plant1/#`, `/acme/+/+/kwh`); a command answer\'s path is its device\'s. Default `/<tenant>/#`' },
  payload: { type: 'string', enum: webhookPayloadKinds, description: 'thin: identifiers and times; full: the whole record. Default thin' },
  maxBatch: { type: 'integer', minimum: webhookLimits.maxBatch.min, maximum: webhookLimits.maxBatch.max, description: 'most events per request; above 1 every body is {"type": "batch", "data": {"events": [...]}}. Default 1' },
  description: { type: ['string', 'null'], maxLength: 1000 },
} as const;

const subscriptionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: 'string' },
    ...fields,
    enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'], description: 'why deliveries stopped: the endpoint answered 410 Gone, or the API disabled it' },
    disabledAt: nullableDateTime,
    previousSecretUntil: { ...nullableDateTime, description: 'after a rotation, until when the previous secret signs too' },
    createdAt: dateTime,
    createdBy: { type: ['string', 'null'], description: 'the id of the API token that created it' },
    updatedAt: dateTime,
    pending: { type: 'integer', description: 'messages waiting for delivery' },
    dead: { type: 'integer', description: 'messages given up after the retry schedule (dead-lettered), still stored' },
  },
} as const;
const withSecret = { type: 'object', properties: { ...subscriptionSchema.properties, secret: { type: 'string', description: 'whsec_...: shown in this answer only' } } } as const;

export function registerWebhookRoutes(app: FastifyInstance, webhooks: WebhookOperations): void {
  app.post<{ Params: { tenant: string }; Body: SubscriptionInput }>(
    base,
    {
      schema: {
        summary: 'Create a webhook subscription; its signing secret is in this answer only',
        tags,
        params: tenantParams,
        body: { type: 'object', properties: fields, required: ['url', 'eventTypes'], additionalProperties: false },
        response: { 201: withSecret, ...errors },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return webhooks.create(request.caller, request.params.tenant, request.body);
    },
  );

  app.get<{ Params: { tenant: string } }>(
    base,
    { schema: { summary: "List a tenant's webhook subscriptions", tags, params: tenantParams, response: { 200: { type: 'array', items: subscriptionSchema }, ...errors } } },
    async (request) => webhooks.list(request.caller, request.params.tenant),
  );

  app.get<{ Params: { tenant: string; id: string } }>(
    `${base}/:id`,
    { schema: { summary: 'Show a webhook subscription, with why it is disabled and its queue', tags, params: idParams, response: { 200: subscriptionSchema, ...errors } } },
    async (request) => webhooks.get(request.caller, request.params.tenant, request.params.id),
  );

  app.patch<{ Params: { tenant: string; id: string }; Body: SubscriptionChange }>(
    `${base}/:id`,
    {
      schema: {
        summary: 'Change a webhook subscription; `enabled: true` enables one a 410 disabled, its queued messages sent again',
        tags,
        params: idParams,
        body: { type: 'object', properties: { ...fields, enabled: { type: 'boolean' } }, additionalProperties: false, minProperties: 1 },
        response: { 200: subscriptionSchema, ...errors },
      },
    },
    async (request) => webhooks.update(request.caller, request.params.tenant, request.params.id, request.body),
  );

  app.delete<{ Params: { tenant: string; id: string } }>(
    `${base}/:id`,
    { schema: { summary: 'Delete a webhook subscription and its queued messages', tags, params: idParams, response: { 200: subscriptionSchema, ...errors } } },
    async (request) => webhooks.remove(request.caller, request.params.tenant, request.params.id),
  );

  app.post<{ Params: { tenant: string; id: string }; Body: { gracePeriodSeconds?: number } | undefined }>(
    `${base}/:id/rotate-secret`,
    {
      schema: {
        summary: 'Give a subscription a new signing secret; the old one signs too (a second v1 signature) for the grace period',
        tags,
        params: idParams,
        body: { type: 'object', properties: { gracePeriodSeconds: { type: 'integer', minimum: 0, maximum: webhookLimits.maxGracePeriodMs / 1000, description: 'default 86400 (a day)' } }, additionalProperties: false },
        response: { 200: withSecret, ...errors },
      },
    },
    async (request) => webhooks.rotateSecret(request.caller, request.params.tenant, request.params.id, request.body?.gracePeriodSeconds),
  );

  app.post<{ Params: { tenant: string; id: string }; Body: { from: string; to: string } }>(
    `${base}/:id/replay`,
    {
      schema: {
        summary: 'Send again the stored messages whose first event is in [from, to), under their own webhook-ids (kept for WEBHOOKS_RETENTION after delivery)',
        tags,
        params: idParams,
        body: { type: 'object', properties: { from: dateTime, to: dateTime }, required: ['from', 'to'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { messages: { type: 'integer', description: 'messages queued again' } } }, ...errors },
      },
    },
    async (request) => webhooks.replay(request.caller, request.params.tenant, request.params.id, request.body),
  );
}
