/**
 * The body of POST /v1/ingest/messages: one message a device talks back with
 * (schemas/device-topics.ts), `{"subtopic", "payload"}`, or `{"messages": [...]}`.
 * A string payload is the message's text (a status is `online`, as on MQTT),
 * anything else its JSON. Pure.
 */
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { parseDeviceSubtopic, type DeviceMessageKind } from '../../schemas/device-topics';

export const maxMessagesPerRequest = 100;

export interface ParsedDeviceMessage {
  kind: DeviceMessageKind;
  subtopic: string;
  payload: Buffer;
  /** The command a `cmd/res/<id>/<status>` answers: its request leaves the device's mailbox. */
  answersCommand?: string;
}

export type DeviceMessagesBody = { ok: true; messages: ParsedDeviceMessage[] } | { ok: false; reason: DeadLetterReason; message: string };

const invalid = (message: string): DeviceMessagesBody => ({ ok: false, reason: 'invalid_payload', message });

export function parseDeviceMessagesBody(body: Buffer): DeviceMessagesBody {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'malformed_json', message: `the body is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('the body must be {"subtopic", "payload"} or {"messages": [...]}');
  const list: unknown = 'messages' in value ? (value as { messages: unknown }).messages : [value];
  if (!Array.isArray(list) || list.length === 0) return invalid('messages must be a non-empty array');
  if (list.length > maxMessagesPerRequest) return invalid(`${list.length} messages, more than ${maxMessagesPerRequest} in one request`);
  const messages: ParsedDeviceMessage[] = [];
  for (const [i, item] of list.entries()) {
    const { subtopic, payload } = (typeof item === 'object' && item !== null ? item : {}) as { subtopic?: unknown; payload?: unknown };
    if (typeof subtopic !== 'string') return invalid(`message ${i}: subtopic must be a string`);
    const parsed = parseDeviceSubtopic(subtopic);
    if (!parsed) return { ok: false, reason: 'unknown_subtopic', message: `message ${i}: "${subtopic}" is no subtopic devices talk back on (cmd/ack/<id>, cmd/res/<id>/succeeded|failed, shadow/update|get|delete, config/ack, status)` };
    if (payload === undefined) return invalid(`message ${i}: payload is missing`);
    messages.push({
      kind: parsed.kind,
      subtopic,
      payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
      ...(parsed.kind === 'command_result' && { answersCommand: parsed.commandId }),
    });
  }
  return { ok: true, messages };
}
