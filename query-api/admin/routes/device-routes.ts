/**
 * /v1/admin/devices: list with filters, add (201, with the credentials once),
 * show, update, enable and disable, rotate (the new credentials once),
 * revoke, remove.
 */
import type { FastifyInstance } from 'fastify';
import { parseDeviceAddress, parseDeviceTags, type DeviceAddress, type DeviceLocation, type DeviceState, type DeviceTags, type NewDevice } from '../../../registry';
import { errorBodySchema } from '../../http-errors';
import type { AdminOperations } from '../admin-operations';
import { deviceListLimits } from '../device-operations';
import { credentialsSchema, deviceAddressSchema, deviceDetailsSchema, deviceSchema, locationSchema, parentSchema, tagsSchema } from './admin-schemas';

interface DeviceChanges {
  tags?: DeviceTags;
  location?: DeviceLocation | null;
  parent?: string | null;
}

interface DeviceListQuery {
  tenant?: string;
  site?: string;
  state?: DeviceState;
  tags?: string;
  parent?: string;
  limit?: number;
  offset?: number;
}

const changesProperties = { tags: tagsSchema, location: locationSchema, parent: parentSchema };
const errors = { '4xx': errorBodySchema };
const tags = ['admin: devices'];
const deviceUrl = '/v1/admin/devices/:tenant/:site/:device';
const deviceParams = { ...deviceAddressSchema, additionalProperties: false };

/** What the body gives of tags, location and parent, in the registry's terms. */
function newDevice(changes: DeviceChanges): NewDevice {
  const { parent, ...rest } = changes;
  return parent === undefined ? rest : { ...rest, parent: parent === null ? null : parseDeviceAddress(parent) };
}

export function registerDeviceRoutes(app: FastifyInstance, admin: AdminOperations): void {
  app.get<{ Querystring: DeviceListQuery }>(
    '/v1/admin/devices',
    {
      schema: {
        summary: 'List devices',
        description: 'A tenant token lists its own tenant; a platform admin token every tenant unless `tenant` is given.',
        tags,
        querystring: {
          type: 'object',
          properties: {
            tenant: { type: 'string' },
            site: { type: 'string', description: 'needs tenant' },
            state: { type: 'string', enum: ['active', 'disabled', 'revoked'] },
            tags: { type: 'string', description: 'devices having every tag: `k=v,k2=v2`' },
            parent: { type: 'string', description: 'the children of gateway `<tenant>/<site>/<device>`' },
            limit: { type: 'integer', minimum: 1, maximum: deviceListLimits.max, default: deviceListLimits.default },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: deviceSchema }, ...errors },
      },
    },
    async (request) => {
      const { tags: tagText, parent, ...query } = request.query;
      return admin.devices.list(request.caller, {
        ...query,
        ...(tagText === undefined ? {} : { tags: parseDeviceTags(tagText) }),
        ...(parent === undefined ? {} : { parent: parseDeviceAddress(parent) }),
      });
    },
  );

  app.post<{ Body: DeviceAddress & DeviceChanges }>(
    '/v1/admin/devices',
    {
      schema: {
        summary: 'Add a device',
        description: 'Creates its tenant and site when missing. The answer holds the credentials, once: the registry keeps only hashes.',
        tags,
        body: { type: 'object', properties: { ...deviceAddressSchema.properties, ...changesProperties }, required: deviceAddressSchema.required, additionalProperties: false },
        response: { 201: { type: 'object', properties: { device: deviceSchema, credentials: credentialsSchema } }, ...errors },
      },
    },
    async (request, reply) => {
      const { tenant, site, device, ...changes } = request.body;
      reply.code(201);
      return admin.devices.add(request.caller, { tenant, site, device }, newDevice(changes));
    },
  );

  app.get<{ Params: DeviceAddress }>(
    deviceUrl,
    { schema: { summary: 'Show a device, its children and when its password was issued', tags, params: deviceParams, response: { 200: deviceDetailsSchema, ...errors } } },
    async (request) => admin.devices.show(request.caller, request.params),
  );

  app.patch<{ Params: DeviceAddress; Body: DeviceChanges }>(
    deviceUrl,
    {
      schema: {
        summary: "Change a device's tags (replaced whole), location or parent",
        tags,
        params: deviceParams,
        body: { type: 'object', properties: changesProperties, additionalProperties: false },
        response: { 200: deviceSchema, ...errors },
      },
    },
    async (request) => admin.devices.update(request.caller, request.params, newDevice(request.body)),
  );

  app.delete<{ Params: DeviceAddress }>(
    deviceUrl,
    { schema: { summary: 'Remove a device and its credentials (its children stay, without a parent)', tags, params: deviceParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await admin.devices.remove(request.caller, request.params);
      return reply.code(204).send();
    },
  );

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: DeviceAddress }>(
      `${deviceUrl}/${action}`,
      { schema: { summary: `${enabled ? 'Enable' : 'Disable (refuse until enabled)'} a device`, tags, params: deviceParams, response: { 200: deviceSchema, ...errors } } },
      async (request) => admin.devices.setEnabled(request.caller, request.params, enabled),
    );
  }

  app.post<{ Params: DeviceAddress }>(
    `${deviceUrl}/rotate`,
    {
      schema: {
        summary: "Issue a device new credentials (the old password fails at once); they are in this answer only",
        tags,
        params: deviceParams,
        response: { 200: credentialsSchema, ...errors },
      },
    },
    async (request) => admin.devices.rotate(request.caller, request.params),
  );

  app.post<{ Params: DeviceAddress }>(
    `${deviceUrl}/revoke`,
    { schema: { summary: 'Revoke a device for good, with its credentials (remove it and add it again to readmit it)', tags, params: deviceParams, response: { 200: deviceSchema, ...errors } } },
    async (request) => admin.devices.revoke(request.caller, request.params),
  );
}
