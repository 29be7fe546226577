/**
 * Everything one shadow request does, as data: the shadow after it (when it
 * changed), the messages for the device, the answer for the API, and whether
 * it is bad input to dead-letter. The processor writes all of it in one
 * Kafka transaction. Pure: no I/O.
 *
 * For the device (MQTT, `fleet.downlink.v1`):
 * - a device's own request is answered on `shadow/<op>/accepted` or
 *   `shadow/<op>/rejected` (QoS 1, not retained), echoing its clientToken;
 * - whenever the delta changes, whoever changed it, the new delta goes out
 *   retained on `shadow/update/delta` as `{"state": delta, "version", "timestamp"}`,
 *   and once it is empty an empty retained payload clears it: a device that
 *   subscribes gets the latest delta at once, or none.
 * For the API: one result per request, accepted or not, with the document.
 */
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { downlinkSubtopics, type ShadowOperation } from '../../schemas/device-topics';
import type { JsonObject } from './json-tree';
import { applyShadowRequest, deltaChanged, deltaOfShadow, documentOf, type Shadow } from './shadow-document';
import type { ShadowErrorName, ShadowLimits, ShadowRejection } from './shadow-limits';
import { parseShadowRequest } from './shadow-request';

export interface ShadowInput {
  /** `device`: published by the device itself; `api`: a ShadowRequest, answered with a result */
  from: 'device' | 'api';
  operation: ShadowOperation;
  payload: Buffer;
}

export interface Downlink {
  subtopic: string;
  payload: Buffer;
  retain: boolean;
}

export interface ShadowAnswer {
  accepted: boolean;
  code: number;
  error: ShadowErrorName | null;
  message: string | null;
  /** the version after the request; the current one when it was refused */
  version: number;
  /** for the API: the document after the request (JSON), or the current one when refused; null when there is none, and for a device */
  document: string | null;
}

export interface ShadowStep {
  /** the shadow after the request, when the request changed it */
  changed?: Shadow;
  downlinks: Downlink[];
  answer: ShadowAnswer;
  /** a device's request refused as bad input, for the dead-letter topic */
  deadLetter?: { reason: DeadLetterReason; message: string };
}

export function shadowStep(current: Shadow, input: ShadowInput, now: number, limits: ShadowLimits): ShadowStep {
  const parsed = parseShadowRequest(input.operation, input.payload, limits);
  if (!parsed.ok) return refused(current, input, parsed.rejection, parsed.clientToken, now);
  const { request } = parsed;
  const applied = applyShadowRequest(current, request, now, limits);
  if (!applied.accepted) return refused(current, input, applied.rejection, request.clientToken, now);

  const { shadow } = applied;
  const changed = shadow !== current;
  const downlinks: Downlink[] = [];
  if (input.from === 'device') {
    downlinks.push({ subtopic: downlinkSubtopics.shadowAccepted(input.operation), payload: json({ ...applied.response, ...token(request.clientToken) }), retain: false });
  }
  if (changed && deltaChanged(current, shadow)) downlinks.push(deltaDownlink(shadow));
  return {
    ...(changed ? { changed: shadow } : {}),
    downlinks,
    answer: { accepted: true, code: 200, error: null, message: null, version: shadow.version, document: documentFor(input, shadow) },
  };
}

/** The retained delta of `shadow`, or the empty retained payload that clears it. */
export function deltaDownlink(shadow: Shadow): Downlink {
  const delta = deltaOfShadow(shadow);
  const payload = Object.keys(delta).length === 0 ? Buffer.alloc(0) : json({ state: delta, version: shadow.version, timestamp: shadow.timestamp });
  return { subtopic: downlinkSubtopics.shadowDelta, payload, retain: true };
}

function refused(current: Shadow, input: ShadowInput, rejection: ShadowRejection, clientToken: string | undefined, now: number): ShadowStep {
  const downlinks: Downlink[] = [];
  if (input.from === 'device') {
    const body = { code: rejection.code, error: rejection.error, message: rejection.message, version: current.version, timestamp: now, ...token(clientToken) };
    downlinks.push({ subtopic: downlinkSubtopics.shadowRejected(input.operation), payload: json(body), retain: false });
  }
  const reason = input.from === 'device' ? deadLetterReason(rejection.error) : undefined;
  return {
    downlinks,
    answer: { accepted: false, code: rejection.code, error: rejection.error, message: rejection.message, version: current.version, document: documentFor(input, current) },
    ...(reason ? { deadLetter: { reason, message: `${rejection.error}: ${rejection.message}` } } : {}),
  };
}

/** The document the API's answer carries; a device's request has no such answer (its own goes on shadow/<op>/accepted). */
function documentFor(input: ShadowInput, shadow: Shadow): string | null {
  return input.from === 'api' && shadow.exists ? JSON.stringify(documentOf(shadow)) : null;
}

/** Bad input is dead-lettered; a version conflict or a missing shadow is the protocol working, not bad input. */
function deadLetterReason(error: ShadowErrorName): DeadLetterReason | undefined {
  switch (error) {
    case 'VersionConflict':
    case 'NotFound':
      return undefined;
    case 'InvalidJson':
      return 'malformed_json';
    case 'PayloadTooLarge':
      return 'payload_too_large';
    default:
      return 'invalid_shadow_request';
  }
}

function token(clientToken: string | undefined): JsonObject {
  return clientToken === undefined ? {} : { clientToken };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
