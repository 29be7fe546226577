import { parseDeviceMessagesBody } from './device-message-body';

const id = '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23';
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the body of a device message POST', () => {
  it('takes one message or a list, a string payload as its text and anything else as JSON', () => {
    expect(parseDeviceMessagesBody(body({ subtopic: 'status', payload: 'online' }))).toEqual({ ok: true, messages: [{ kind: 'status', subtopic: 'status', payload: Buffer.from('online') }] });
    const parsed = parseDeviceMessagesBody(body({ messages: [{ subtopic: `cmd/ack/${id}`, payload: {} }, { subtopic: `cmd/res/${id}/succeeded`, payload: { pong: true } }] }));
    expect(parsed).toEqual({
      ok: true,
      messages: [
        { kind: 'command_ack', subtopic: `cmd/ack/${id}`, payload: Buffer.from('{}') },
        { kind: 'command_result', subtopic: `cmd/res/${id}/succeeded`, payload: Buffer.from('{"pong":true}'), answersCommand: id },
      ],
    });
  });

  it.each([
    ['not json', Buffer.from('{oops'), 'malformed_json'],
    ['an array', body([]), 'invalid_payload'],
    ['no payload', body({ subtopic: 'status' }), 'invalid_payload'],
    ['a platform subtopic', body({ subtopic: 'config', payload: {} }), 'unknown_subtopic'],
    ['too many', body({ messages: Array.from({ length: 101 }, () => ({ subtopic: 'status', payload: 'online' })) }), 'invalid_payload'],
  ])('refuses %s', (_what, input, reason) => {
    expect(parseDeviceMessagesBody(input)).toMatchObject({ ok: false, reason });
  });
});
