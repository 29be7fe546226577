/** JSON schemas of what the admin API's REST routes answer and take, for validation, serialization and the OpenAPI document. */
import { parameterKinds } from '../../../schemas/types';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const name = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const deviceAddressSchema = {
  type: 'object',
  properties: { tenant: name, site: name, device: name },
  required: ['tenant', 'site', 'device'],
} as const;

export const tagsSchema = { type: 'object', additionalProperties: { type: 'string' }, description: 'free-form string metadata (model, firmware, owner)' } as const;

export const locationSchema = {
  type: ['object', 'null'],
  description: 'coordinates (WGS 84 degrees, altitude in metres), a description, or both; null clears it',
  properties: { latitude: { type: 'number' }, longitude: { type: 'number' }, altitude: { type: 'number' }, description: { type: 'string', minLength: 1 } },
  additionalProperties: false,
} as const;

export const parentSchema = { type: ['string', 'null'], description: 'the gateway `<tenant>/<site>/<device>` this device is behind, same tenant; null clears it' } as const;

export const deviceSchema = {
  type: 'object',
  properties: {
    ...deviceAddressSchema.properties,
    name: { type: 'string', description: '`<tenant>/<site>/<device>`, also its MQTT username' },
    tags: tagsSchema,
    location: locationSchema,
    parent: { type: ['object', 'null'], properties: deviceAddressSchema.properties },
    state: { type: 'string', enum: ['active', 'disabled', 'revoked'] },
    createdAt: dateTime,
    updatedAt: dateTime,
    revision: { type: 'integer' },
  },
} as const;

export const deviceDetailsSchema = {
  type: 'object',
  properties: {
    ...deviceSchema.properties,
    children: { type: 'array', items: { type: 'object', properties: deviceAddressSchema.properties } },
    credentialsIssuedAt: nullableDateTime,
  },
} as const;

export const credentialsSchema = {
  type: 'object',
  description: 'shown in this answer only: the registry keeps hashes',
  properties: { device: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' } },
} as const;

export const tenantSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, createdAt: dateTime, sites: { type: 'integer' }, devices: { type: 'integer' } },
} as const;

export const siteSchema = {
  type: 'object',
  properties: { tenant: { type: 'string' }, name: { type: 'string' }, createdAt: dateTime, devices: { type: 'integer' } },
} as const;

export const tokenRecordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'], description: 'null: a platform admin token' },
    role: { type: 'string', enum: ['read', 'admin'] },
    description: { type: ['string', 'null'] },
    createdAt: dateTime,
    lastUsedAt: nullableDateTime,
    revokedAt: nullableDateTime,
  },
} as const;

export const seriesSettingSchema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    ...deviceAddressSchema.properties,
    metric: { type: 'string' },
    kind: { type: 'string', enum: parameterKinds },
    unit: { type: ['string', 'null'] },
    updatedAt: dateTime,
    revision: { type: 'integer' },
  },
} as const;

export const hierarchySchema = {
  type: 'object',
  properties: {
    revision: { type: 'integer', description: 'the registry revision this snapshot reflects' },
    tenants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          sites: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                devices: { type: 'array', items: { type: 'object', properties: { ...deviceSchema.properties, children: { type: 'array', items: { type: 'string' } } } } },
              },
            },
          },
        },
      },
    },
  },
} as const;
