import type { CommandStatus } from '../../schemas/types';
import { commandStatusSample } from '../../test/command-status-sample';
import { commandJson, finalOutcome } from './command-answer';

const t0 = 1_700_000_000_000;

const status = (id: string, change: Partial<CommandStatus> = {}) => commandStatusSample(id, change, t0);

describe('answers', () => {
  it('shows params and a JSON answer as JSON, any other answer as text', () => {
    expect(commandJson(status('a', { answer: Buffer.from('{"ok":1}') }))).toMatchObject({ params: { delay: 1 }, answer: { ok: 1 } });
    expect(commandJson(status('a', { answer: Buffer.from('done') })).answer).toBe('done');
  });

  it.each([
    ['SUCCEEDED', null, 200, undefined],
    ['FAILED', null, 200, undefined],
    ['FAILED', 'offline', 503, 'COMMAND_DEVICE_OFFLINE'],
    ['FAILED', 'queue_full', 429, 'COMMAND_QUEUE_FULL'],
    ['TIMED_OUT', 'timeout', 504, 'COMMAND_TIMED_OUT'],
    ['EXPIRED', 'expired', 504, 'COMMAND_EXPIRED'],
    ['CANCELED', 'canceled', 409, 'COMMAND_CANCELED'],
  ] as const)('a command %s (%s) answers %d %s', (state, reason, httpStatus, code) => {
    const outcome = finalOutcome(status('a', { state, reason }));
    expect([outcome.httpStatus, outcome.code]).toEqual([httpStatus, code]);
  });
});
