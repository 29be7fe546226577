/**
 * The handlers contract (issue 17, items 2 to 4): the kinds of handler an
 * automation or a notification may ask for and the `target` each takes (the
 * JSON text of HandlerRequest.target). Automations validate their documents
 * with these schemas; the handler workers validate each request again and
 * dead-letter one that fails (`handler_target_invalid`). Pure: no I/O.
 *
 * A target never names its tenant: the request's `tenant` does, and every
 * device, series or topic a target names is taken inside that tenant.
 */
import { z } from 'zod';
import { topicMatches } from '../lib/topic-filter';
import { commandLimits } from './commands';
import { deviceUplinkSubtopicFilters, isCommandName, platformSubtopicFilters } from './device-topics';
import { segmentProblem } from './series-path';
import { webhookSecretKey, webhookUrlProblem } from './webhooks';
import { handlerSecretNamePattern } from './handler-secrets';

export const handlerKinds = ['webhook', 'email', 'mqtt_publish', 'device_command', 'set_desired', 'forward_payload'] as const;
export type HandlerKind = (typeof handlerKinds)[number];

export function isHandlerKind(kind: string): kind is HandlerKind {
  return (handlerKinds as readonly string[]).includes(kind);
}

const segment = (name: string) => z.string().superRefine((value, ctx) => {
  const problem = segmentProblem(name, value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const jsonObject = z.record(z.string(), z.unknown());

/** A device of the request's tenant. */
const deviceTarget = { site: segment('site'), device: segment('device') };

/**
 * `webhook`: the payload POSTed as JSON with the Standard Webhooks headers
 * (`webhook-id` = the execution id, stable across retries), signed with
 * the tenant's handler secret `secretRef` names (schemas/handler-secrets.ts),
 * or with `secret` itself (`whsec_...`, as schemas/webhooks.ts makes them),
 * which then travels in the request.
 */
export const webhookTargetSchema = z
  .strictObject({
  url: z.string().superRefine((url, ctx) => {
    const problem = webhookUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** the secret itself: it then travels in the handler request, on Kafka; prefer secretRef */
  secret: z.string().refine((secret) => webhookSecretKey(secret) !== undefined, 'must be a Standard Webhooks secret: whsec_ and the base64 of 24 to 64 bytes').optional(),
  /** the name of a tenant's handler secret (`fleetstream handler-secrets set`), read by the handler workers when they sign */
  secretRef: z.string().regex(handlerSecretNamePattern, 'must be a handler secret name: 1 to 100 letters, digits and _ . : ~ @ -').optional(),
  /** Extra request headers (no webhook-* nor content-type). */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(1024))
    .refine((headers) => Object.keys(headers).every((name) => !/^(webhook-|content-type$|content-length$|host$)/i.test(name)), 'may not set webhook-*, content-type, content-length or host')
    .default({}),
  })
  .refine((target) => (target.secret === undefined) !== (target.secretRef === undefined), { message: 'give secretRef (the name of a handler secret) or secret, one of them', path: ['secretRef'] });

const emailAddress = z.email().max(254);

/**
 * `email`: one message through the workers' SMTP server. The body is `text`
 * followed by the payload as indented JSON (or the payload alone). The
 * Message-ID derives from the execution id, so a resend is recognisable.
 */
export const emailTargetSchema = z.strictObject({
  to: z.array(emailAddress).min(1).max(50),
  cc: z.array(emailAddress).max(50).default([]),
  subject: z.string().min(1).max(998).refine((subject) => !/[\r\n]/.test(subject), 'must be one line'),
  text: z.string().max(100_000).optional(),
});

/** Why a handler may not publish on `topic` for `tenant`, or undefined: it must be a topic name (no wildcard) inside `fleet/<tenant>/`, and not a device's uplink nor a platform subtopic of a device root. */
export function mqttPublishTopicProblem(tenant: string, topic: string): string | undefined {
  const root = `fleet/${tenant}/`;
  if (!topic.startsWith(root) || topic.length === root.length) return `the topic must be inside the tenant's space ${root}...`;
  // eslint-disable-next-line no-control-regex -- MQTT topic names may not hold NUL
  if (topic.length > 1024 || /[+#\u0000]/.test(topic)) return 'the topic must be a topic name of at most 1024 characters (no + or #)';
  const levels = topic.split('/');
  if (levels.some((level) => level === '')) return 'the topic must not have empty levels';
  // fleet/<tenant>/<site>/<device>/<subtopic...>: a device's own topics carry readings and the platform's messages
  const subtopic = levels.slice(4).join('/');
  if (subtopic !== '' && (subtopic === 'up' || [...deviceUplinkSubtopicFilters, ...platformSubtopicFilters].some((filter) => topicMatches(filter, subtopic)))) {
    return `the topic ${topic} is a device's uplink or a platform subtopic: publish elsewhere in the tenant's space`;
  }
  return undefined;
}

/**
 * `mqtt_publish`: one message on the platform's broker, with the workers'
 * service account. `topic` is checked against the tenant (mqttPublishTopicProblem)
 * when the request is read; `body` is sent as given, or the payload when absent.
 */
export const mqttPublishTargetSchema = z.strictObject({
  topic: z.string().min(1).max(1024),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  retain: z.boolean().default(false),
  body: z.string().max(256 * 1024).optional(),
});

const commandFields = {
  ...deviceTarget,
  name: z.string().refine(isCommandName, 'must be 1 to 64 letters, digits or _ . : ~ @ -'),
  timeoutMs: z.number().int().min(commandLimits.timeoutMs.min).max(commandLimits.timeoutMs.max).default(commandLimits.timeoutMs.default),
  persistent: z.boolean().default(false),
  ttlSeconds: z.number().int().min(commandLimits.ttlSeconds.min).max(commandLimits.ttlSeconds.max).optional(),
};

/**
 * `device_command`: a command (schemas/commands.ts) to one device; its id
 * derives from the execution id, so a retry never sends a second one. The
 * execution succeeds when the command does (its status on fleet.command-status.v1).
 */
export const deviceCommandTargetSchema = z.strictObject({ ...commandFields, params: jsonObject.default({}) });

/** `set_desired`: `desired` merged into the device shadow's desired state (a shadow `update`; null deletes a key). */
export const setDesiredTargetSchema = z.strictObject({ ...deviceTarget, desired: jsonObject });

/**
 * `forward_payload` (MyController's "forward payload"): the latest value of
 * one series of the tenant, written to another device as one desired key
 * (`to.as: desired`) or as one parameter of a command (`to.as: command`).
 */
export const forwardPayloadTargetSchema = z.strictObject({
  from: z.strictObject({ ...deviceTarget, metric: segment('metric') }),
  to: z.discriminatedUnion('as', [
    z.strictObject({ as: z.literal('desired'), ...deviceTarget, key: z.string().min(1).max(128) }),
    z.strictObject({ as: z.literal('command'), ...commandFields, param: z.string().min(1).max(128).default('value') }),
  ]),
  /** A latest value older than this (ms) is not forwarded (the execution fails, `stale`); absent: any age. */
  maxAgeMs: z.number().int().positive().optional(),
});

export const handlerTargetSchemas = {
  webhook: webhookTargetSchema,
  email: emailTargetSchema,
  mqtt_publish: mqttPublishTargetSchema,
  device_command: deviceCommandTargetSchema,
  set_desired: setDesiredTargetSchema,
  forward_payload: forwardPayloadTargetSchema,
} as const satisfies Record<HandlerKind, z.ZodType>;

export type HandlerTarget<K extends HandlerKind> = z.output<(typeof handlerTargetSchemas)[K]>;

export type TargetCheck = { ok: true; kind: HandlerKind; target: unknown } | { ok: false; reason: 'handler_unknown' | 'handler_target_invalid'; message: string };

/** A request's kind and target as the workers would take them (tenant-dependent checks included), or why not. */
export function checkHandlerTarget(tenant: string, kind: string, target: unknown): TargetCheck {
  if (!isHandlerKind(kind)) return { ok: false, reason: 'handler_unknown', message: `unknown handler kind ${JSON.stringify(kind)}; known: ${handlerKinds.join(', ')}` };
  const parsed = handlerTargetSchemas[kind].safeParse(target);
  if (!parsed.success) return { ok: false, reason: 'handler_target_invalid', message: `${kind} target: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}` };
  if (kind === 'mqtt_publish') {
    const problem = mqttPublishTopicProblem(tenant, (parsed.data as HandlerTarget<'mqtt_publish'>).topic);
    if (problem) return { ok: false, reason: 'handler_target_invalid', message: `mqtt_publish target: ${problem}` };
  }
  return { ok: true, kind, target: parsed.data };
}
