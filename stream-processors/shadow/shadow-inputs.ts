/**
 * What an input record is to the shadow processor: a device's shadow request
 * (a DeviceMessage of kind `shadow_request`), the API's (a ShadowRequest),
 * something to skip (the device's other messages), or bad input to
 * dead-letter. Pure.
 */
import { deviceKey, parseDeviceSubtopic } from '../../schemas/device-topics';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { DeviceAddress } from '../../schemas/series-path';
import type { DeviceMessage, ShadowRequest } from '../../schemas/types';
import { partitionForKey } from '../../lib/key-partition';
import type { ShadowInput } from './shadow-step';

export type ProcessorInput =
  | { kind: 'request'; device: DeviceAddress; key: string; input: ShadowInput; requestId?: string }
  | { kind: 'skip' }
  | { kind: 'rejected'; reason: DeadLetterReason; message: string };

/** Where the record was read: its device must hash to this partition, or another member may own the device. */
export interface ReadFrom {
  partition: number;
  partitions: number;
}

export function deviceMessageInput(message: DeviceMessage, from: ReadFrom): ProcessorInput {
  if (message.kind !== 'shadow_request') return { kind: 'skip' };
  const subtopic = parseDeviceSubtopic(message.subtopic);
  if (subtopic?.kind !== 'shadow_request') return { kind: 'rejected', reason: 'invalid_shadow_request', message: `a shadow_request message on subtopic ${JSON.stringify(message.subtopic)}, which names no shadow operation` };
  return requestInput(message, { from: 'device', operation: subtopic.operation, payload: message.payload }, from);
}

export function shadowRequestInput(request: ShadowRequest, from: ReadFrom): ProcessorInput {
  const input = requestInput(request, { from: 'api', operation: request.operation, payload: request.payload }, from);
  return input.kind === 'request' ? { ...input, requestId: request.requestId } : input;
}

function requestInput(address: DeviceAddress, input: ShadowInput, from: ReadFrom): ProcessorInput {
  const device = { tenant: address.tenant, site: address.site, device: address.device };
  const key = deviceKey(device);
  const expected = partitionForKey(key, from.partitions);
  if (expected !== from.partition) {
    return { kind: 'rejected', reason: 'misrouted', message: `device ${key} belongs in partition ${expected} of ${from.partitions}, and was read from partition ${from.partition}` };
  }
  return { kind: 'request', device, key, input };
}
