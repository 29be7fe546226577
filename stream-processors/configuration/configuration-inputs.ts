/**
 * What a record of the processor's two input topics means for a device: an
 * assignment (fleet.config-assignments.v1), an acknowledgement or presence
 * (fleet.device-messages.v1, kinds config_ack and status), a rejection to
 * dead-letter, or nothing for this processor (the other kinds). The identity
 * is the record's, which the source took from the device's credentials and
 * topic, never the payload's.
 */
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { parseConfigAck, parsePresence } from '../../schemas/configuration';
import type { DeviceAddress } from '../../schemas/series-path';
import type { ConfigAssignment, DeviceMessage } from '../../schemas/types';
import type { ConfigurationInput } from './device-configuration';

export type InputKind = 'assignment' | 'config_ack' | 'status';

export type DecodedRecord =
  | { kind: 'input'; address: DeviceAddress; input: ConfigurationInput; of: InputKind }
  /** `payload`: the bytes to dead-letter when not the Kafka record's own (a device's payload inside a DeviceMessage). */
  | { kind: 'rejected'; reason: DeadLetterReason; message: string; payload?: Buffer }
  /** Another processor's record (command answers, shadow requests), or presence that says neither online nor offline. */
  | { kind: 'skipped'; what: string };

function address(record: { tenant: string; site: string; device: string }): DeviceAddress {
  return { tenant: record.tenant, site: record.site, device: record.device };
}

export function assignmentInput(record: ConfigAssignment): DecodedRecord {
  const { assignmentId, version, sha256, deadline } = record;
  return { kind: 'input', address: address(record), of: 'assignment', input: { kind: 'assignment', assignment: { assignmentId, version, sha256, deadline } } };
}

export function deviceMessageInput(message: DeviceMessage): DecodedRecord {
  if (message.kind === 'config_ack') {
    const parsed = parseConfigAck(message.payload);
    if ('problem' in parsed) return { kind: 'rejected', reason: 'invalid_config_ack', message: `${message.tenant}/${message.site}/${message.device}: ${parsed.problem}`, payload: message.payload };
    return { kind: 'input', address: address(message), of: 'config_ack', input: { kind: 'ack', ack: parsed.ack } };
  }
  if (message.kind === 'status') {
    const presence = parsePresence(message.payload);
    // not dead-lettered here: every processor that follows presence reads the same record, and one is enough to say it is bad
    if (presence === undefined) return { kind: 'skipped', what: 'invalid_status' };
    return { kind: 'input', address: address(message), of: 'status', input: { kind: 'presence', online: presence === 'online' } };
  }
  return { kind: 'skipped', what: message.kind };
}
