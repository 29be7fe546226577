import type { HandlerRequest } from '../../schemas/types';
import { commandIdFor } from './derived-ids';
import { intakeOf } from './request-intake';

const request = (handler: string, target: unknown, overrides: Partial<HandlerRequest> = {}): HandlerRequest => ({
  executionId: 'e-1', tenant: 'acme', handler, target: typeof target === 'string' ? target : JSON.stringify(target), payload: '{"value":1}',
  originKind: 'automation', originId: 'a-1', trigger: 'schedule:2026-12-03T10:00:00Z', firedAt: 1, requestedAt: 2, deadlineAt: null, ...overrides,
});

describe('intakeOf', () => {
  it('makes the execution row with its receiver and, for a command, its command id', () => {
    const taken = intakeOf(request('device_command', { site: 'plant1', device: 'pump', name: 'start' }));
    expect(taken).toMatchObject({ ok: true, execution: { handler: 'device_command', receiver: 'device:acme/plant1/pump', commandId: commandIdFor('e-1'), target: { params: {}, timeoutMs: 30000 } } });
    expect(intakeOf(request('webhook', { url: 'https://h.example.com:8443/x', secret: `whsec_${Buffer.alloc(32).toString('base64')}` }))).toMatchObject({ ok: true, execution: { receiver: 'webhook:https://h.example.com:8443', commandId: null } });
  });

  it('rejects an unknown kind, a target that is no JSON or fails its schema, a payload that is no object, a bad tenant', () => {
    expect(intakeOf(request('fax', {}))).toMatchObject({ ok: false, reason: 'handler_unknown' });
    expect(intakeOf(request('webhook', '{nope'))).toMatchObject({ ok: false, reason: 'handler_target_invalid', message: expect.stringContaining('not JSON') });
    expect(intakeOf(request('set_desired', { site: 'p', device: 'd' }))).toMatchObject({ ok: false, reason: 'handler_target_invalid' });
    expect(intakeOf(request('set_desired', { site: 'p', device: 'd', desired: {} }, { payload: '3' }))).toMatchObject({ ok: false, reason: 'handler_target_invalid', message: expect.stringContaining('payload') });
    expect(intakeOf(request('set_desired', { site: 'p', device: 'd', desired: {} }, { tenant: 'a/b' }))).toMatchObject({ ok: false, reason: 'undecodable' });
  });
});
