/**
 * What one input record means to the commands processor: a command request
 * or cancellation from the API (fleet.commands.v1), or what a device said
 * (fleet.device-messages.v1): its presence, an ack, an answer. Other device
 * messages (shadow, configuration) are not the processor's. Pure.
 */
import { commandRequestProblem } from '../../schemas/commands';
import { parseDeviceSubtopic, type CommandResultStatus } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import type { CommandRequest, DeviceMessage } from '../../schemas/types';

export type CommandInput =
  | { kind: 'request'; device: DeviceAddress; request: CommandRequest }
  | { kind: 'cancel'; device: DeviceAddress; id: string; by: string }
  | { kind: 'presence'; device: DeviceAddress; online: boolean; at: number; transport: DeviceMessage['transport'] }
  | { kind: 'ack'; device: DeviceAddress; id: string }
  | { kind: 'result'; device: DeviceAddress; id: string; status: CommandResultStatus; body: Buffer }
  /** a device message the processor has nothing to do with */
  | { kind: 'other' }
  | { kind: 'invalid'; reason: 'invalid_command' | 'invalid_presence'; message: string };

export function requestInput(request: CommandRequest): CommandInput {
  const problem = commandRequestProblem(request);
  if (problem) return { kind: 'invalid', reason: 'invalid_command', message: `command request ${request.id}: ${problem}` };
  const device = { tenant: request.tenant, site: request.site, device: request.device };
  return request.action === 'cancel' ? { kind: 'cancel', device, id: request.id, by: request.caller } : { kind: 'request', device, request };
}

export function deviceMessageInput(message: DeviceMessage): CommandInput {
  const device = { tenant: message.tenant, site: message.site, device: message.device };
  const subtopic = parseDeviceSubtopic(message.subtopic);
  if (message.kind === 'status') {
    const online = presenceOf(message.payload);
    if (online === undefined) return { kind: 'invalid', reason: 'invalid_presence', message: `status of ${message.tenant}/${message.site}/${message.device} is ${JSON.stringify(message.payload.toString().slice(0, 64))}, not online or offline` };
    return { kind: 'presence', device, online, at: message.receivedAt, transport: message.transport };
  }
  if (message.kind === 'command_ack' && subtopic?.kind === 'command_ack') return { kind: 'ack', device, id: subtopic.commandId };
  if (message.kind === 'command_result' && subtopic?.kind === 'command_result') return { kind: 'result', device, id: subtopic.commandId, status: subtopic.status, body: message.payload };
  return { kind: 'other' };
}

/**
 * A status payload: `online` or `offline` as text (what the firmware publishes
 * and sets as its last will), or the same as a JSON string or as `{"status": ...}`.
 */
export function presenceOf(payload: Buffer): boolean | undefined {
  let text = payload.toString().trim();
  if (text.startsWith('{') || text.startsWith('"')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      text = typeof parsed === 'string' ? parsed : String((parsed as { status?: unknown } | null)?.status ?? '');
    } catch {
      return undefined;
    }
  }
  const word = text.trim().toLowerCase();
  return word === 'online' ? true : word === 'offline' ? false : undefined;
}
