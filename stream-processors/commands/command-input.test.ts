import type { CommandRequest, DeviceMessage } from '../../schemas/types';
import { deviceMessageInput, presenceOf, requestInput } from './command-input';

const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const device = { tenant: 'acme', site: 'plant1', device: 'pump7' };

function message(kind: DeviceMessage['kind'], subtopic: string, payload: string): DeviceMessage {
  return { ...device, kind, subtopic, payload: Buffer.from(payload), receivedAt: 1_700_000_000_000, transport: 'mqtt', sourceTopic: null };
}

describe('device messages', () => {
  it('reads acks and answers by the subtopic, the answer body unchanged', () => {
    expect(deviceMessageInput(message('command_ack', `cmd/ack/${id}`, ''))).toEqual({ kind: 'ack', device, id });
    expect(deviceMessageInput(message('command_result', `cmd/res/${id}/failed`, '{"error":"busy"}'))).toEqual({ kind: 'result', device, id, status: 'failed', body: Buffer.from('{"error":"busy"}') });
  });

  it('reads presence with the time the device said it and how it talks', () => {
    expect(deviceMessageInput(message('status', 'status', 'online'))).toEqual({ kind: 'presence', device, online: true, at: 1_700_000_000_000, transport: 'mqtt' });
  });

  it('leaves shadow and configuration messages to others, and a subtopic that is no command answer', () => {
    expect(deviceMessageInput(message('shadow_request', 'shadow/get', '{}'))).toEqual({ kind: 'other' });
    expect(deviceMessageInput(message('command_ack', 'cmd/ack/not-a-uuid', ''))).toEqual({ kind: 'other' });
  });

  it('calls a status that is neither online nor offline invalid', () => {
    expect(deviceMessageInput(message('status', 'status', 'sleeping'))).toMatchObject({ kind: 'invalid', reason: 'invalid_presence' });
  });

  it.each([
    ['online', true],
    [' OFFLINE\n', false],
    ['"online"', true],
    ['{"status":"offline","since":3}', false],
    ['{"status":', undefined],
    ['{}', undefined],
    ['', undefined],
  ])('presence of %j is %s', (payload, online) => {
    expect(presenceOf(Buffer.from(payload))).toBe(online);
  });
});

describe('command requests', () => {
  const request: CommandRequest = { id, ...device, action: 'send', name: 'reboot', params: '{}', timeoutMs: 1000, persistent: false, ttlSeconds: null, caller: 'tok', createdAt: 0 };

  it('are sends or cancels, a cancel naming who asked', () => {
    expect(requestInput(request)).toEqual({ kind: 'request', device, request });
    expect(requestInput({ ...request, action: 'cancel', caller: 'tok9' })).toEqual({ kind: 'cancel', device, id, by: 'tok9' });
  });

  it('are invalid when they break the contract', () => {
    expect(requestInput({ ...request, params: '[]' })).toMatchObject({ kind: 'invalid', reason: 'invalid_command' });
  });
});
