import type { DeviceMessage } from '../../schemas/types';
import { assignmentInput, deviceMessageInput } from './configuration-inputs';

const device = { tenant: 'acme', site: 'plant1', device: 'm7' };
const message = (kind: DeviceMessage['kind'], payload: string, subtopic = 'config/ack'): DeviceMessage => ({
  ...device, kind, subtopic, payload: Buffer.from(payload), receivedAt: 1, transport: 'mqtt', sourceTopic: `fleet/acme/plant1/m7/${subtopic}`,
});

describe('configuration inputs', () => {
  it('an assignment record is the device\'s new assignment', () => {
    const decoded = assignmentInput({ ...device, assignmentId: 9, version: 2, sha256: 'ab', deviceType: 't', deadline: 50, target: 'device', assignedAt: 1, assignedBy: null });
    expect(decoded).toEqual({ kind: 'input', address: device, of: 'assignment', input: { kind: 'assignment', assignment: { assignmentId: 9, version: 2, sha256: 'ab', deadline: 50 } } });
  });

  it('reads acknowledgements and dead-letters bad ones', () => {
    expect(deviceMessageInput(message('config_ack', '{"version":2,"sha256":"ab","status":"applied","detail":""}'))).toEqual({
      kind: 'input', address: device, of: 'config_ack', input: { kind: 'ack', ack: { version: 2, sha256: 'ab', status: 'applied', detail: '' } },
    });
    expect(deviceMessageInput(message('config_ack', '{"version":2}'))).toEqual({
      kind: 'rejected', reason: 'invalid_config_ack', message: 'acme/plant1/m7: "sha256" is not a non-empty string', payload: Buffer.from('{"version":2}'),
    });
  });

  it('reads presence, skips other kinds and presence that is neither online nor offline', () => {
    expect(deviceMessageInput(message('status', 'offline', 'status'))).toMatchObject({ kind: 'input', of: 'status', input: { kind: 'presence', online: false } });
    expect(deviceMessageInput(message('status', 'maybe', 'status'))).toEqual({ kind: 'skipped', what: 'invalid_status' });
    expect(deviceMessageInput(message('shadow_request', '{}', 'shadow/get'))).toEqual({ kind: 'skipped', what: 'shadow_request' });
  });
});
