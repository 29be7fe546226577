/**
 * The webhooks contract (issue 17, item 5), shared by the admin API that
 * manages subscriptions and the `webhooks` republisher that delivers them:
 * event types, payload kinds, the limits of a subscription, the signing
 * secret's format and the message id's. Pure: no I/O beyond random bytes.
 */
import { randomBytes } from 'node:crypto';
import { isTopicName } from '../lib/topic-filter';

/**
 * What a subscription can ask for, each from one source topic:
 * - `measurement`: every reading (fleet.measurements.v1);
 * - `rollup.1m`, `rollup.1h`, `rollup.1d`: every final rollup of that
 *   resolution, corrections included (a higher `revision` of the same window);
 *   provisional rollups are not sent (fleet.rollups.<resolution>.v1);
 * - `command.answer`: a command finished, answered by its device (SUCCEEDED,
 *   FAILED) or not (TIMED_OUT, EXPIRED, CANCELED) (fleet.command-status.v1);
 * - `alert`: every transition of an alert of the tenant's rules (pending,
 *   firing, escalated, recovering, resolved, no_data, ...) as the alerts
 *   processor committed it, its path the alerting series (fleet.alerts.v1).
 */
export const webhookEventTypes = ['measurement', 'rollup.1m', 'rollup.1h', 'rollup.1d', 'command.answer', 'alert'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** `thin`: identifiers and times only (path, window, command id), for receivers that read the rest from the API; `full`: the whole record. */
export const webhookPayloadKinds = ['thin', 'full'] as const;
export type WebhookPayloadKind = (typeof webhookPayloadKinds)[number];

export const webhookLimits = {
  /** Most events in one request: the Standard Webhooks spec advises bodies under about 20 kB, a full measurement is ~300 bytes. */
  maxBatch: { min: 1, max: 1000, default: 1 },
  urlMaxLength: 2048,
  /** Longest a rotated-out secret keeps signing beside the new one. */
  maxGracePeriodMs: 7 * 24 * 60 * 60 * 1000,
  defaultGracePeriodMs: 24 * 60 * 60 * 1000,
} as const;

/**
 * A signing secret as Standard Webhooks serializes it: `whsec_` and the
 * base64 of 24 to 64 random bytes (the spec's 192 to 512 bits). 32 here.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a `whsec_` secret, or undefined when the text is not one. */
export function webhookSecretKey(secret: string): Buffer | undefined {
  if (!secret.startsWith('whsec_')) return undefined;
  const text = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length >= 24 && key.length <= 64 ? key : undefined;
}

/**
 * A message id (`webhook-id`): `msg_` and 16 random bytes in base64url. Never
 * user controlled and never holding a `.`, as the spec asks, since it is the
 * first field of the signed text `{id}.{timestamp}.{body}`.
 */
export function newWebhookMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** A subscription id: `ep_` and 12 random bytes in base64url. */
export function newWebhookSubscriptionId(): string {
  return `ep_${randomBytes(12).toString('base64url')}`;
}

/**
 * Why `filter` cannot be a subscription's path filter for `tenant`, or
 * undefined. Path filters are MQTT topic filters over series paths
 * (lib/topic-filter.ts): `/acme/plant1/#`, `/acme/+/+/kwh`; a command answer's
 * path is its device's, `/<tenant>/<site>/<device>`. A filter stays inside its
 * tenant: it starts with `/<tenant>/`.
 */
export function pathFilterProblem(tenant: string, filter: string): string | undefined {
  const root = `/${tenant}/`;
  if (!filter.startsWith(root)) return `the path filter must start with ${root} (its tenant); got ${JSON.stringify(filter)}`;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (filter.length > 1024 || /[\u0000-\u001f\u007f]/.test(filter)) return 'the path filter must be at most 1024 characters, without control characters';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#' && i !== levels.length - 1) return '`#` may only be the last level of a path filter';
    if (level.length > 1 && !isTopicName(level)) return `level ${JSON.stringify(level)} of the path filter mixes a wildcard with text`;
  }
  return undefined;
}

/** What every path filter defaults to: the whole tenant. */
export function tenantPathFilter(tenant: string): string {
  return `/${tenant}/#`;
}

/** Why `url` cannot be a webhook endpoint, or undefined. Addresses are checked at connect time by the republisher, not here. */
export function webhookUrlProblem(url: string): string | undefined {
  if (url.length > webhookLimits.urlMaxLength) return `the URL is longer than ${webhookLimits.urlMaxLength} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `the URL must be http:// or https://; got ${parsed.protocol}`;
  if (parsed.username !== '' || parsed.password !== '') return 'the URL must not carry credentials: receivers check the webhook-signature header';
  if (parsed.hash !== '') return 'the URL must not have a fragment';
  return undefined;
}
