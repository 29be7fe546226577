/**
 * What handlers act through, made once by the component (index.ts) and handed
 * to every attempt: the HTTP client, the SMTP transport, the broker
 * connection, the producers of commands and shadow requests, and the latest
 * values. Handlers take nothing else from the outside, so each can be
 * pointed at test servers through the component's options.
 */
import type { HttpDelivery } from '../../lib/http-delivery';
import type { LatestValue } from '../../schemas/redis-keys';
import type { CommandRequest, ShadowRequest } from '../../schemas/types';

export interface EmailMessage {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  messageId: string;
  /** Extra headers: the execution id, so a receiving system can tell a resend. */
  headers: Record<string, string>;
}

/** `sent`, or the SMTP server's refusal: `permanent` for a 5xx reply (no resend helps). */
export type EmailOutcome = { sent: true; response: string } | { sent: false; permanent: boolean; reason: string };

export interface HandlerServices {
  http: HttpDelivery;
  /** Undefined when no SMTP server is configured (HANDLERS_SMTP_URL). */
  email: { from: string; messageIdDomain: string; send(message: EmailMessage): Promise<EmailOutcome> } | undefined;
  /** Resolves on the broker's PUBACK (QoS 1) or once written (QoS 0); `refused` with a PUBACK reason code of 0x80 or more. */
  mqttPublish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<{ published: true } | { published: false; reasonCode: number }>;
  /** Resolves once Kafka has the request (acks = all). */
  sendCommand(request: CommandRequest): Promise<void>;
  sendShadowRequest(request: ShadowRequest): Promise<void>;
  /** The tenant's handler secret of that name (schemas/handler-secrets.ts), or undefined when it has none. */
  handlerSecret(tenant: string, name: string): Promise<string | undefined>;
  /** The newest reading of a series as the redis-sink keeps it, or undefined. */
  latestValue(path: string): Promise<LatestValue | undefined>;
}
