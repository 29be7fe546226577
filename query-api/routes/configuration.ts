/**
 * /v1/admin/configuration/<tenant>/...: control configuration (issue 16,
 * item 3). Under /v1/admin, so registry tokens with their roles, as every
 * admin route (authentication.ts, admin/caller.ts): device-type schemas,
 * immutable versioned documents, assignments to a device, a site or a tag
 * selector, rollbacks, a device's configuration state and a rollout's progress.
 */
import type { FastifyInstance } from 'fastify';
import { configStates } from '../../schemas/configuration';
import { deviceAddressSchema } from '../admin/routes/admin-schemas';
import { documentListLimits, type AssignmentInput, type ConfigurationOperations } from '../configuration/configuration-operations';
import { errorBodySchema } from '../http-errors';

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const tags = ['admin: configuration'];
const base = '/v1/admin/configuration/:tenant';
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const tenantParams = { type: 'object', properties: { tenant: name }, required: ['tenant'], additionalProperties: false } as const;
const versionParams = { type: 'object', properties: { tenant: name, version: { type: 'integer', minimum: 1 } }, required: ['tenant', 'version'], additionalProperties: false } as const;

const deviceTypeSchema = {
  type: 'object',
  properties: { tenant: { type: 'string' }, deviceType: { type: 'string' }, schema: { type: 'object', additionalProperties: true }, createdAt: dateTime, createdBy: { type: ['string', 'null'] }, updatedAt: dateTime, updatedBy: { type: ['string', 'null'] } },
} as const;

const documentProperties = {
  tenant: { type: 'string' },
  version: { type: 'integer', description: 'numbered per tenant, from 1' },
  deviceType: { type: 'string' },
  sha256: { type: 'string', description: 'hex SHA-256 of the canonical JSON (RFC 8785) of `config`, as the device receives it' },
  description: { type: ['string', 'null'] },
  rollbackOf: { type: ['integer', 'null'], description: 'for a rollback: the version whose content this one repeats' },
  createdAt: dateTime,
  createdBy: { type: ['string', 'null'], description: 'the id of the API token that created it' },
} as const;
const documentSchema = { type: 'object', properties: documentProperties } as const;

const targetProperties = {
  device: { type: 'string', description: '`<site>/<device>`: one device (precedence 3)' },
  site: { type: 'string', description: "every device of the site with the document's type (precedence 1); with `tags`, narrows the selector to the site" },
  tags: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, description: "every device having all these tags and the document's type (precedence 2)" },
} as const;

const assignmentBody = {
  type: 'object',
  description: 'Exactly one target: `device`, `site`, or `tags` (with `site` to narrow it). Each device follows the assignment of highest precedence (device > tags > site), the newest among equals.',
  properties: { ...targetProperties, deadline: { ...dateTime, description: 're-delivered until then; no matching acknowledgement by then is TIMED_OUT' } },
  required: ['deadline'],
  additionalProperties: false,
} as const;

const assignmentSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    tenant: { type: 'string' },
    version: { type: 'integer' },
    target: { type: 'object', properties: { kind: { type: 'string', enum: ['device', 'site', 'tags'] }, site: { type: ['string', 'null'] }, device: { type: ['string', 'null'] }, tags: { type: ['object', 'null'], additionalProperties: { type: 'string' } } } },
    deadline: dateTime,
    devices: { type: 'integer', description: 'devices it reached (not those held by an assignment of higher precedence)' },
    createdAt: dateTime,
    createdBy: { type: ['string', 'null'] },
  },
} as const;

const stateEnum = { type: ['string', 'null'], enum: [...configStates, null] } as const;
const deviceConfigurationSchema = {
  type: 'object',
  properties: {
    device: { type: 'object', properties: deviceAddressSchema.properties },
    desired: {
      type: ['object', 'null'],
      description: 'what the API resolved for the device; null: nothing assigned',
      properties: { assignmentId: { type: 'integer' }, version: { type: 'integer' }, sha256: { type: 'string' }, deadline: dateTime, assignedAt: dateTime, target: assignmentSchema.properties.target },
    },
    state: {
      type: ['object', 'null'],
      description: 'what the configuration processor holds; null: it has not heard of the device',
      properties: {
        assignmentId: { type: ['integer', 'null'] },
        version: { type: ['integer', 'null'] },
        sha256: { type: ['string', 'null'] },
        state: stateEnum,
        detail: { type: ['string', 'null'], description: "the device's detail of its last answer" },
        online: { type: ['boolean', 'null'] },
        deliveries: { type: 'integer', description: 'publications of the current version' },
        nextDeliveryAt: nullableDateTime,
        deliveredAt: nullableDateTime,
        answeredAt: nullableDateTime,
        stateChangedAt: nullableDateTime,
      },
    },
    history: {
      type: 'array',
      description: 'state changes, newest first (at most 50)',
      items: { type: 'object', properties: { assignmentId: { type: 'integer' }, version: { type: 'integer' }, from: stateEnum, to: stateEnum, detail: { type: ['string', 'null'] }, at: dateTime } },
    },
  },
} as const;

const progressSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    version: { type: 'integer' },
    devices: { type: 'integer', description: 'devices whose desired configuration is this version' },
    states: { type: 'object', properties: Object.fromEntries(configStates.map((s) => [s, { type: 'integer' }])) },
    awaitingProcessor: { type: 'integer', description: 'of the PENDING, those the configuration processor has not taken up yet' },
  },
} as const;

export function registerConfigurationRoutes(app: FastifyInstance, configuration: ConfigurationOperations): void {
  app.put<{ Params: { tenant: string; deviceType: string }; Body: { schema: object } }>(
    `${base}/device-types/:deviceType`,
    {
      schema: {
        summary: "Create or replace a device type's JSON Schema (draft-07)",
        description: "A device's type is its registry tag `type`. Documents for the type are checked against this schema when created; unknown keywords and formats are refused. 201 when created, 200 when replaced.",
        tags,
        params: { type: 'object', properties: { tenant: name, deviceType: name }, required: ['tenant', 'deviceType'], additionalProperties: false },
        body: { type: 'object', properties: { schema: { type: 'object', additionalProperties: true } }, required: ['schema'], additionalProperties: false },
        response: { 200: deviceTypeSchema, 201: deviceTypeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { record, created } = await configuration.putDeviceType(request.caller, request.params.tenant, request.params.deviceType, request.body.schema);
      reply.code(created ? 201 : 200);
      return record;
    },
  );

  app.get<{ Params: { tenant: string; deviceType: string } }>(
    `${base}/device-types/:deviceType`,
    {
      schema: {
        summary: "A device type's JSON Schema",
        tags,
        params: { type: 'object', properties: { tenant: name, deviceType: name }, required: ['tenant', 'deviceType'], additionalProperties: false },
        response: { 200: deviceTypeSchema, ...errors },
      },
    },
    async (request) => configuration.getDeviceType(request.caller, request.params.tenant, request.params.deviceType),
  );

  app.post<{ Params: { tenant: string }; Body: { deviceType: string; config: object; description?: string } }>(
    `${base}/documents`,
    {
      schema: {
        summary: 'Create a configuration document: the next version of the tenant, immutable',
        description: "Refused with 400 CONFIG_DOCUMENT_INVALID, ajv's errors in `problems`, unless `config` satisfies the device type's schema.",
        tags,
        params: tenantParams,
        body: {
          type: 'object',
          properties: { deviceType: name, config: { type: 'object', additionalProperties: true }, description: { type: 'string', maxLength: 1000 } },
          required: ['deviceType', 'config'],
          additionalProperties: false,
        },
        response: { 201: documentSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return configuration.createDocument(request.caller, request.params.tenant, request.body);
    },
  );

  app.get<{ Params: { tenant: string }; Querystring: { deviceType?: string; limit?: number; offset?: number } }>(
    `${base}/documents`,
    {
      schema: {
        summary: "List the tenant's configuration versions, newest first",
        tags,
        params: tenantParams,
        querystring: {
          type: 'object',
          properties: { deviceType: name, limit: { type: 'integer', minimum: 1, maximum: documentListLimits.max, default: documentListLimits.default }, offset: { type: 'integer', minimum: 0, default: 0 } },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: documentSchema }, ...errors },
      },
    },
    async (request) => configuration.listDocuments(request.caller, request.params.tenant, request.query),
  );

  app.get<{ Params: { tenant: string; version: number } }>(
    `${base}/documents/:version`,
    {
      schema: {
        summary: 'A configuration version, with its content',
        tags,
        params: versionParams,
        response: { 200: { type: 'object', properties: { ...documentProperties, config: { type: 'object', additionalProperties: true } } }, ...errors },
      },
    },
    async (request) => configuration.getDocument(request.caller, request.params.tenant, request.params.version),
  );

  app.post<{ Params: { tenant: string; version: number }; Body: AssignmentInput }>(
    `${base}/documents/:version/assignments`,
    {
      schema: {
        summary: 'Assign a version to a device, a site or a tag selector, with a deadline',
        description: "Resolved to devices now (those with the document's type, not revoked); each reached device's processor publishes the retained `config` and follows its acknowledgement. 503 KAFKA_UNAVAILABLE: nothing was assigned.",
        tags,
        params: versionParams,
        body: assignmentBody,
        response: { 201: assignmentSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return configuration.assign(request.caller, request.params.tenant, request.params.version, request.body);
    },
  );

  app.post<{ Params: { tenant: string; version: number }; Body: AssignmentInput & { description?: string } }>(
    `${base}/documents/:version/rollback`,
    {
      schema: {
        summary: 'Roll back to a version: a new version with its content and hash (recorded as its rollback), assigned',
        description: 'Devices see a newer version number with the old content. The new version is created first; should the assignment fail, it stays, unassigned.',
        tags,
        params: versionParams,
        body: { ...assignmentBody, properties: { ...assignmentBody.properties, description: { type: 'string', maxLength: 1000 } } },
        response: { 201: { type: 'object', properties: { document: documentSchema, assignment: assignmentSchema } }, ...errors },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return configuration.rollback(request.caller, request.params.tenant, request.params.version, request.body);
    },
  );

  app.get<{ Params: { tenant: string; version: number } }>(
    `${base}/documents/:version/progress`,
    {
      schema: {
        summary: "A rollout's progress: the devices whose desired configuration is this version, counted by state",
        tags,
        params: versionParams,
        response: { 200: progressSchema, ...errors },
      },
    },
    async (request) => configuration.progress(request.caller, request.params.tenant, request.params.version),
  );

  app.get<{ Params: { tenant: string; site: string; device: string } }>(
    `${base}/devices/:site/:device`,
    {
      schema: {
        summary: "A device's configuration: desired, its state (PENDING, DELIVERED, APPLIED, REJECTED, FAILED, TIMED_OUT) and its changes",
        tags,
        params: { ...deviceAddressSchema, additionalProperties: false },
        response: { 200: deviceConfigurationSchema, ...errors },
      },
    },
    async (request) => configuration.deviceConfiguration(request.caller, request.params),
  );
}
