/**
 * The ingest's Fastify app. `POST /v1/ingest` takes one message of one device
 * in any of the MQTT payload formats (source-kit/payload.ts) and answers 202
 * once Kafka acknowledged its readings, or 400 once Kafka has its dead letter.
 * Before the body is read, a request is admitted (429 while too many are
 * under way or too many records wait for Kafka), authenticated (401, 403;
 * 429 once its client address failed too many logins, failed-login-limit.ts)
 * and held to its device's rate (429); a body over the limit is a 413. The
 * device's identity comes from its credentials alone. OpenAPI at /openapi.json.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { FleetstreamError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { RetryAborted } from '../../lib/retry';
import type { DeviceIdentity } from '../../registry';
import { measurementsFromPayload, type BuildContext } from '../../source-kit/measurement-builder';
import type { OutgoingRecord, ReadingProducer } from '../../source-kit/reading-producer';
import type { DeviceAuthenticator, PresentedCredentials } from './device-authentication';
import type { FailedLoginLimit } from './failed-login-limit';
import { parseBasicCredentials } from './basic-credentials';
import type { KeyedRateLimit } from '../../lib/keyed-rate-limit';
import type { DeviceSeriesLimit } from '../../source-kit/device-series-limit';
import { IngestRefusal, ingestErrorAnswer, ingestErrorBodySchema } from './ingest-errors';
import type { IngestMetrics } from './ingest-metrics';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { DeviceMailbox } from './device-mailbox';
import type { DownlinkItem } from './mailbox-items';
import { parseDeviceMessagesBody } from './device-message-body';
import { deviceKey } from '../../schemas/device-topics';

export const ingestPath = '/v1/ingest';
/** Where a device that talks HTTP answers the platform (command answers, shadow requests, configuration acknowledgements) and polls. */
export const deviceMessagesPath = '/v1/ingest/messages';

export interface IngestServerContext {
  authenticator: DeviceAuthenticator;
  /** Failed password logins per client address (and device), refused before the password is checked once spent. */
  failedLogins: FailedLoginLimit;
  rateLimit: KeyedRateLimit;
  /** Messages per second of all of a tenant's devices together, when HTTP_SOURCE_TENANT_RATE is set. */
  tenantLimit?: KeyedRateLimit;
  seriesLimit: DeviceSeriesLimit;
  producer: ReadingProducer;
  metrics: IngestMetrics;
  logger: Logger;
  /** What readings are built with, but the receive time. */
  build: Omit<BuildContext, 'receivedAt' | 'sourceTopic'>;
  now: () => number;
  limits: { maxBodyBytes: number; maxInFlight: number; maxUnacknowledged: number; retryAfterMs: number; ackTimeoutMs: number; maxWaitMs: number; presenceIntervalMs: number };
  /** What the platform has for devices that talk HTTP. */
  mailbox: DeviceMailbox;
  /** HTTPS, with client certificates when `ca` is given. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  /** Fastify's trustProxy: whose X-Forwarded-For gives `request.ip`, the address the failed-login limits count by. */
  trustProxy?: boolean | string;
}

/** A 202's body: what Kafka acknowledged, and what the platform has for the device (device-mailbox.ts). */
const acceptedWithDownlink = {
  type: 'object',
  properties: {
    accepted: { type: 'integer', description: 'readings (or messages) Kafka acknowledged' },
    downlink: {
      type: 'array',
      description: 'what the platform has for the device, oldest first: as an MQTT device would receive it on `{base}/<subtopic>`',
      items: { type: 'object', properties: { subtopic: { type: 'string' }, payload: { type: 'string' } }, required: ['subtopic', 'payload'] },
    },
  },
  required: ['accepted', 'downlink'],
} as const;

/** The client certificate a TLS connection presented, verified or not; undefined over plain HTTP or without one. */
function presentedCertificate(socket: Socket): PresentedCredentials['certificate'] {
  if (!(socket instanceof TLSSocket)) return undefined;
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return undefined;
  const commonName = certificate.subject?.CN;
  return {
    verified: socket.authorized,
    commonName: typeof commonName === 'string' ? commonName : undefined,
    problem: socket.authorizationError === null || socket.authorizationError === undefined ? undefined : String(socket.authorizationError),
  };
}

export async function buildIngestServer(context: IngestServerContext): Promise<FastifyInstance> {
  const { authenticator, failedLogins, rateLimit, tenantLimit, producer, metrics, logger, limits } = context;
  const https = context.tls ? { cert: context.tls.cert, key: context.tls.key, ...(context.tls.ca && { ca: context.tls.ca, requestCert: true, rejectUnauthorized: false }) } : null;
  // over HTTPS a certificate the CA did not sign still connects: such a request can fall back to Basic, and is told why its certificate was not taken.
  // At close, idle connections go and the requests under way get their answer (Kafka's acknowledgement, or a 503 after the ack timeout).
  const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes, forceCloseConnections: 'idle', https, trustProxy: context.trustProxy ?? false }) as unknown as FastifyInstance;
  const devices = new WeakMap<FastifyRequest, DeviceIdentity>();
  const admitted = new WeakSet<FastifyRequest>();
  let inFlight = 0;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'fleetstream HTTP ingest',
        version: '1',
        description:
          'Readings from devices that cannot hold an MQTT session. A device authenticates with its registry credentials: HTTP Basic (username `<tenant>/<site>/<device>` and its password) or, over HTTPS, a client certificate whose common name is that username.',
      },
      components: { securitySchemes: { deviceCredentials: { type: 'http', scheme: 'basic' } } },
      security: [{ deviceCredentials: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // the body is the device's payload, bytes as they came: payload.ts decodes them (and dead-letters what it cannot)
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const release = (request: FastifyRequest): void => {
    if (!admitted.delete(request)) return;
    inFlight--;
    metrics.inFlight.dec();
  };
  const admit = async (request: FastifyRequest): Promise<void> => {
    if (inFlight >= limits.maxInFlight) throw new FleetstreamError('INGEST_OVERLOADED', `${inFlight} requests under way, the most HTTP_SOURCE_MAX_IN_FLIGHT allows; retry later`);
    if (producer.unacknowledged >= limits.maxUnacknowledged) {
      throw new FleetstreamError('INGEST_OVERLOADED', `${producer.unacknowledged} records wait for Kafka, the most HTTP_SOURCE_MAX_UNACKNOWLEDGED allows; retry later`);
    }
    inFlight++;
    metrics.inFlight.inc();
    admitted.add(request);
  };
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const presented = { authorization: request.headers.authorization, certificate: presentedCertificate(request.raw.socket) };
    // a password to check (a verified certificate is taken before it): held to the failed-login limit first
    const username = presented.certificate?.verified && presented.certificate.commonName ? undefined : parseBasicCredentials(presented.authorization)?.username;
    if (username !== undefined) {
      const decision = failedLogins.check(request.ip, username);
      if (!decision.allowed) {
        throw new IngestRefusal('LOGIN_THROTTLED', `too many failed logins from ${request.ip}, as ${username} or in all (HTTP_SOURCE_FAILED_LOGIN_RATE, _BURST, _ADDRESS_RATE, _ADDRESS_BURST): the password was not checked; send the device's current password after Retry-After`, { retryAfterMs: decision.retryAfterMs });
      }
    }
    try {
      devices.set(request, await authenticator.authenticate(presented));
    } catch (error) {
      if (username !== undefined && error instanceof FleetstreamError && error.code === 'UNAUTHENTICATED') failedLogins.failed(request.ip, username);
      throw error;
    }
  };
  const holdToRate = async (request: FastifyRequest): Promise<void> => {
    const device = devices.get(request)!;
    const decision = rateLimit.take(device.username);
    if (!decision.allowed) {
      throw new IngestRefusal('DEVICE_RATE_LIMITED', `device ${device.username} sends more than HTTP_SOURCE_DEVICE_RATE messages per second (HTTP_SOURCE_DEVICE_BURST at once)`, { retryAfterMs: decision.retryAfterMs });
    }
    const tenantDecision = tenantLimit?.take(device.tenant);
    if (tenantDecision && !tenantDecision.allowed) {
      throw new IngestRefusal('TENANT_RATE_LIMITED', `tenant ${device.tenant}'s devices send more than HTTP_SOURCE_TENANT_RATE messages per second together (HTTP_SOURCE_TENANT_BURST at once)`, { retryAfterMs: tenantDecision.retryAfterMs });
    }
  };
  /** Resolves once Kafka acknowledged `records`; KAFKA_UNAVAILABLE when that takes longer than the ack timeout or the source stops. */
  const sent = async (records: OutgoingRecord[]): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new FleetstreamError('KAFKA_UNAVAILABLE', `Kafka did not acknowledge within HTTP_SOURCE_ACK_TIMEOUT (${limits.ackTimeoutMs} ms); retrying is safe, duplicate readings count once`)), limits.ackTimeoutMs);
    });
    try {
      await Promise.race([producer.send(records), late]);
    } catch (error) {
      if (error instanceof RetryAborted) throw new FleetstreamError('KAFKA_UNAVAILABLE', 'the HTTP source is stopping; retry, another instance takes it', { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * When each device was last announced online by this instance: a device that talks HTTP has no MQTT session to be
   * present by, so its requests on the messages path (answers, polls) report it online, at most every presenceInterval.
   */
  const announced = new Map<string, number>();
  const presence = (device: DeviceIdentity, receivedAt: number): OutgoingRecord[] => {
    const key = deviceKey(device);
    if (receivedAt - (announced.get(key) ?? -Infinity) < limits.presenceIntervalMs) return [];
    announced.set(key, receivedAt);
    const { tenant, site } = device;
    return [producer.deviceMessageRecord({ tenant, site, device: device.device, kind: 'status', subtopic: 'status', payload: Buffer.from('online'), receivedAt, transport: 'http', sourceTopic: null })];
  };
  /** `?wait=<seconds>`: how long the device will wait for something when nothing is pending. */
  const waitOf = (request: FastifyRequest): number => {
    const raw = (request.query as Record<string, unknown> | undefined)?.wait;
    if (raw === undefined) return 0;
    const seconds = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(seconds) || seconds < 0 || seconds * 1000 > limits.maxWaitMs) {
      throw new IngestRefusal('PAYLOAD_INVALID', `wait must be seconds from 0 to ${limits.maxWaitMs / 1000} (HTTP_SOURCE_MAX_WAIT)`);
    }
    return seconds * 1000;
  };
  const downlinkFor = (device: DeviceIdentity, waitMs: number): Promise<DownlinkItem[]> => context.mailbox.collect(deviceKey(device), waitMs);
  /** Every device route: admitted, authenticated and held to its device's rate before the body is read. */
  const deviceRequest = { onRequest: [admit, authenticate, holdToRate], onRequestAbort: [async (request: FastifyRequest) => release(request)] };
  /** A body refused for its content: its dead letter goes to Kafka first, then the 400 with the reason. */
  const refuseBody = async (device: DeviceIdentity, payload: Buffer, receivedAt: number, rejection: { reason: DeadLetterReason; message: string }): Promise<never> => {
    const headers = { receivedAt: String(receivedAt), device: device.username };
    await sent([producer.deadLetterRecord({ reason: rejection.reason, message: rejection.message, payload, sourceTopic: null, time: receivedAt, headers })]);
    throw new IngestRefusal('PAYLOAD_INVALID', `${rejection.message} (dead-lettered as ${rejection.reason})`, { reason: rejection.reason });
  };

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { body, headers } = ingestErrorAnswer(error, limits.retryAfterMs);
    metrics.requests.inc({ outcome: body.code });
    if (body.code === 'INTERNAL') logger.error({ event: 'ingest_failed', requestId: request.id, err: error }, 'ingest request failed');
    else if (body.statusCode >= 500) logger.warn({ event: 'ingest_unavailable', requestId: request.id, code: body.code }, body.message);
    else logger.debug({ event: 'ingest_refused', requestId: request.id, code: body.code, device: devices.get(request)?.username }, body.message);
    return reply.code(body.statusCode).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { body } = ingestErrorAnswer(new FleetstreamError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; devices POST to ${ingestPath} (see /openapi.json)`), limits.retryAfterMs);
    metrics.requests.inc({ outcome: body.code });
    return reply.code(404).send(body);
  });
  // a connection that answered while the server closes is closed too: left to idle, it would hold the close until its keep-alive timeout
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    release(request);
    metrics.requestSeconds.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.post(
    ingestPath,
    {
      schema: {
        summary: "Send one message of readings as the device of the request's credentials",
        description: [
          'The body is one message in any payload format devices publish over MQTT (README, "What devices publish"): one reading `{"metric", "value", "ts"?, "kind"?, "unit"?}`,',
          'a batch `{"ts"?, "readings": {...}, "kinds"?, "units"?}` or SenML JSON; any content type. The readings belong to the device the credentials name:',
          'tenant, site and device never come from the URL or the body. 202 once Kafka acknowledged every reading; 400 with the dead-letter `reason` once Kafka has',
          'the dead letter (the message is taken whole or not at all); 401 with a Basic challenge; 403 for a disabled or revoked device; 413 over HTTP_SOURCE_MAX_BODY_BYTES;',
          '429 with Retry-After over the device\'s rate or its tenant\'s, after too many failed logins from the client address (LOGIN_THROTTLED) or while the ingest is overloaded; 503 with Retry-After when Kafka or the registry does not answer in time (retrying is safe).',
          'The 202 carries `downlink`, what the platform has for the device (see POST /v1/ingest/messages); `?wait=<seconds>` waits that long for something when nothing is pending.',
        ].join(' '),
        body: { content: { '*/*': { schema: { description: 'a reading, a batch, or a SenML array (JSON)' } } } },
        response: {
          202: acceptedWithDownlink,
          '4xx': ingestErrorBodySchema,
          '5xx': ingestErrorBodySchema,
        },
      },
      // the body schema documents; payload.ts is what reads the bytes
      validatorCompiler: () => () => true,
      ...deviceRequest,
    },
    async (request, reply) => {
      const device = devices.get(request)!;
      const waitMs = waitOf(request);
      const receivedAt = context.now();
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const address = { tenant: device.tenant, site: device.site, device: device.device };
      const built = context.seriesLimit.admit(measurementsFromPayload(address, payload, { ...context.build, receivedAt, sourceTopic: null }));
      if (!built.ok) return refuseBody(device, payload, receivedAt, built);
      const records = producer.measurementRecords(built.measurements);
      await sent(records);
      metrics.readings.inc(records.length);
      metrics.requests.inc({ outcome: 'accepted' });
      return reply.code(202).send({ accepted: records.length, downlink: await downlinkFor(device, waitMs) });
    },
  );

  app.post(
    deviceMessagesPath,
    {
      schema: {
        summary: 'Answer the platform as the device of the request\'s credentials, and take what is pending for it',
        description: [
          'For devices that talk HTTP, the same messages an MQTT device publishes below its topic root (README, "Talking back to devices"):',
          '`{"subtopic": "cmd/ack/<id>" | "cmd/res/<id>/succeeded|failed" | "shadow/update" | "shadow/get" | "shadow/delete" | "config/ack", "payload": ...}`,',
          'or `{"messages": [...]}` with up to 100 of them. A string payload is sent as its text, anything else as its JSON. 202 once Kafka has them, with `downlink`:',
          'what the platform has for the device (command requests until answered, its configuration and shadow delta as long as they stand, shadow answers once),',
          'each `{subtopic, payload}` with the payload an MQTT device would receive. `?wait=<seconds>` waits that long for something when nothing is pending.',
        ].join(' '),
        body: { content: { 'application/json': { schema: { description: 'one message or {"messages": [...]}' } } } },
        response: { 202: acceptedWithDownlink, '4xx': ingestErrorBodySchema, '5xx': ingestErrorBodySchema },
      },
      validatorCompiler: () => () => true,
      ...deviceRequest,
    },
    async (request, reply) => {
      const device = devices.get(request)!;
      const waitMs = waitOf(request);
      const receivedAt = context.now();
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const parsed = parseDeviceMessagesBody(payload);
      if (!parsed.ok) return refuseBody(device, payload, receivedAt, parsed);
      const { tenant, site } = device;
      const records = parsed.messages.map((m) => producer.deviceMessageRecord({ tenant, site, device: device.device, kind: m.kind, subtopic: m.subtopic, payload: m.payload, receivedAt, transport: 'http', sourceTopic: null }));
      await sent([...presence(device, receivedAt), ...records]);
      for (const m of parsed.messages) if (m.answersCommand) await context.mailbox.answered(deviceKey(device), m.answersCommand);
      metrics.requests.inc({ outcome: 'accepted' });
      return reply.code(202).send({ accepted: records.length, downlink: await downlinkFor(device, waitMs) });
    },
  );

  app.get(
    deviceMessagesPath,
    {
      schema: {
        summary: 'Take what the platform has for the device of the request\'s credentials',
        description: 'The `downlink` of a POST without sending anything; `?wait=<seconds>` waits that long for something when nothing is pending.',
        response: { 200: { type: 'object', properties: { downlink: acceptedWithDownlink.properties.downlink }, required: ['downlink'] }, '4xx': ingestErrorBodySchema, '5xx': ingestErrorBodySchema },
      },
      ...deviceRequest,
    },
    async (request, reply) => {
      const device = devices.get(request)!;
      const waitMs = waitOf(request);
      await sent(presence(device, context.now()));
      return reply.code(200).send({ downlink: await downlinkFor(device, waitMs) });
    },
  );
  return app;
}
