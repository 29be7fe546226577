/**
 * Standard Webhooks signing (spec 1.0, "Signature scheme"): the signed text is
 * `{webhook-id}.{webhook-timestamp}.{body}`, the body exactly as sent; each
 * key gives `v1,<base64 of HMAC-SHA256(key, text)>`, and the header lists
 * them space-separated, so that during a secret's rotation receivers holding
 * either secret can verify. Pure.
 */
import { createHmac } from 'node:crypto';

/** The value of `webhook-signature` for one attempt, one signature per key. */
export function webhookSignature(id: string, timestampSeconds: number, body: string, keys: readonly Buffer[]): string {
  const signed = `${id}.${timestampSeconds}.${body}`;
  return keys.map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`).join(' ');
}

/** The three headers of an attempt: the id is the message's (the same at every retry), the timestamp the attempt's. */
export function webhookHeaders(id: string, now: number, body: string, keys: readonly Buffer[]): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(id, timestamp, body, keys) };
}
