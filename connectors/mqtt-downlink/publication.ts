/**
 * What the mqtt-downlink publishes for one DownlinkMessage: the topic
 * `{base}/<subtopic>` of the device the message names, with its QoS and
 * retain flag (an empty payload with retain clears the retained message), or
 * why it cannot be published; and, at the moment it goes out, the MQTT 5
 * message expiry interval of what is left of its `expiresAt`. Pure: no I/O.
 */
import { isTopicName, topicMatches } from '../../lib/topic-filter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { deviceKey, platformSubtopicFilters, type DeviceTopicRoot } from '../../schemas/device-topics';
import { segmentProblem } from '../../schemas/series-path';
import type { DownlinkMessage } from '../../schemas/types';

export interface Publication {
  /** `<tenant>/<site>/<device>`: one device's publications go out one after another, on one connection. */
  device: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  expiresAt: number | null;
}

export type PublicationPlan = { ok: true; publication: Publication } | { ok: false; reason: Extract<DeadLetterReason, 'invalid_downlink' | 'payload_too_large'>; message: string };

/** The publication of `message` (its Kafka record's key `key`), or why there is none. */
export function planPublication(message: DownlinkMessage, key: string | null, root: DeviceTopicRoot, maxPayloadBytes: number): PublicationPlan {
  const invalid = (text: string): PublicationPlan => ({ ok: false, reason: 'invalid_downlink', message: text });
  const problem = segmentProblem('tenant', message.tenant) ?? segmentProblem('site', message.site) ?? segmentProblem('device', message.device);
  if (problem) return invalid(problem);
  const device = deviceKey(message);
  // records of a device under another key may sit in another partition: their order would be lost
  if (key !== device) return invalid(`the record's key ${JSON.stringify(key)} is not its device ${device}: key downlink records by device`);
  if (!isTopicName(message.subtopic) || !platformSubtopicFilters.some((filter) => topicMatches(filter, message.subtopic))) {
    return invalid(`subtopic "${message.subtopic}" is none of the platform's (${platformSubtopicFilters.join(', ')})`);
  }
  if (message.qos !== 0 && message.qos !== 1) return invalid(`qos ${String(message.qos)}: the downlink publishes with QoS 0 or 1`);
  if (message.payload.length > maxPayloadBytes) return { ok: false, reason: 'payload_too_large', message: `${message.payload.length} bytes, more than maxPayloadBytes (${maxPayloadBytes})` };
  return { ok: true, publication: { device, topic: root.topic(message, message.subtopic), payload: message.payload, qos: message.qos, retain: message.retain, expiresAt: message.expiresAt } };
}

export type Expiry = { expired: true } | { expired: false; messageExpiryInterval?: number };

/** At `now`: expired, or the MQTT 5 message expiry interval left (whole seconds, the property's unit, rounded up; none when it never expires). */
export function expiryAt(expiresAt: number | null, now: number): Expiry {
  if (expiresAt === null) return { expired: false };
  if (expiresAt <= now) return { expired: true };
  return { expired: false, messageExpiryInterval: Math.ceil((expiresAt - now) / 1000) };
}
