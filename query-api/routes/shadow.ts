import type { FastifyInstance, FastifyReply } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import type { DeviceAddress } from '../../registry';
import { deviceAddressSchema } from '../admin/routes/admin-schemas';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';
import { desiredPatch, etagOf, ifMatchVersion } from '../shadow/patch-request';
import { readableDevice, shadowWriter } from '../shadow/shadow-access';
import { ShadowRefusal, shadowAnswer } from '../shadow/shadow-answer';

const url = '/v1/devices/:tenant/:site/:device/shadow';
const params = { ...deviceAddressSchema, additionalProperties: false };
const tags = ['device shadows'];
const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };
const documentSchema = {
  type: 'object',
  description: 'The shadow: state.desired, state.reported, state.delta (desired keys whose value differs from reported), metadata (a {timestamp} per value set, epoch ms), version, timestamp',
  additionalProperties: true,
} as const;

/** Sends a stored document as it is: it is JSON already, and its trees are free-form. */
function sendDocument(reply: FastifyReply, etag: string, document: string): FastifyReply {
  return reply.header('etag', etag).type('application/json; charset=utf-8').send(document);
}

/**
 * GET and PATCH /v1/devices/<tenant>/<site>/<device>/shadow: a device's
 * shadow, read from this replica's view of the shadows topic, changed
 * through the shadow processor (AWS IoT's semantics; see the README).
 */
export function registerShadowRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: DeviceAddress }>(
    url,
    {
      schema: {
        summary: "A device's shadow, with its version as ETag",
        description: 'As fresh as the shadows topic when asked: a change another replica answered is in it.',
        tags,
        params,
        response: { 200: documentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const device = readableDevice(request.scope, request.params);
      const shadow = await context.shadows.read(device);
      if (!shadow || shadow.deleted) {
        const since = shadow ? ` (deleted at version ${shadow.version})` : '';
        throw new FleetstreamError('SHADOW_NOT_FOUND', `device ${device.tenant}/${device.site}/${device.device} has no shadow${since}; PATCH its desired state to create one`);
      }
      return sendDocument(reply, etagOf(shadow.version), shadow.document);
    },
  );

  app.patch<{ Params: DeviceAddress; Body: unknown; Headers: { 'if-match'?: string } }>(
    url,
    {
      schema: {
        summary: "Change a device's desired state",
        description:
          'Body {"state": {"desired": {...}}}: objects merge key by key, null deletes a key, arrays are replaced whole. With If-Match: "<version>" (the ETag of GET) the change applies only to that version, else 409. Needs a registry token with the admin role in the tenant. Answers the new document and its ETag once the shadow processor applied it; 504 when it does not answer in time.',
        tags,
        params,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'the ETag of the version the change is for' } } },
        body: { type: 'object', description: '{"state": {"desired": {...}}}', additionalProperties: true },
        response: { 200: documentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const device = readableDevice(request.scope, request.params);
      const caller = await shadowWriter(context.auth, request.headers.authorization, device);
      const desired = desiredPatch(request.body);
      const version = ifMatchVersion(request.headers['if-match']);
      // a shadow belongs to a device of the registry
      await context.admin.devices.require(caller, device);
      const result = await context.shadows.request(device, 'update', { state: { desired }, ...(version === undefined ? {} : { version }) }, caller.tokenId);
      try {
        const { etag, document } = shadowAnswer(result);
        return sendDocument(reply, etag, document);
      } catch (error) {
        if (error instanceof ShadowRefusal) void reply.header('etag', error.etag);
        throw error;
      }
    },
  );
}
