import { afterAttempt, beforeAttempt } from './execution-step';

const policy = { scheduleMs: [1000, 60_000], jitter: 0, maxRetryAfterMs: 3_600_000 };
const now = 1_000_000;

describe('afterAttempt', () => {
  it('finishes on success and on a failure no retry fixes', () => {
    expect(afterAttempt({ kind: 'succeeded', detail: 'HTTP 200' }, 1, policy, null, now, 0.5)).toEqual({ state: 'SUCCEEDED', detail: 'HTTP 200', nextAttemptAt: null, awaitingUntil: null });
    expect(afterAttempt({ kind: 'failed', reason: 'refused' }, 1, policy, null, now, 0.5).state).toBe('FAILED');
  });

  it('retries on the schedule, honours a longer Retry-After, and fails once the schedule is spent', () => {
    expect(afterAttempt({ kind: 'retry', reason: 'HTTP 500' }, 1, policy, null, now, 0.5)).toEqual({ state: 'RETRYING', detail: 'HTTP 500', nextAttemptAt: now + 1000, awaitingUntil: null });
    expect(afterAttempt({ kind: 'retry', reason: 'HTTP 429', afterMs: 30_000 }, 1, policy, null, now, 0.5).nextAttemptAt).toBe(now + 30_000);
    expect(afterAttempt({ kind: 'retry', reason: 'HTTP 500' }, 3, policy, null, now, 0.5)).toMatchObject({ state: 'FAILED', detail: expect.stringContaining('3 attempts') });
  });

  it('expires rather than wait past the deadline', () => {
    expect(afterAttempt({ kind: 'retry', reason: 'HTTP 500' }, 2, policy, now + 10_000, now, 0.5)).toMatchObject({ state: 'EXPIRED', nextAttemptAt: null });
    expect(afterAttempt({ kind: 'retry', reason: 'HTTP 500' }, 1, policy, now + 10_000, now, 0.5).state).toBe('RETRYING');
  });

  it('keeps an awaited command RUNNING until its status, the deadline capping the wait', () => {
    expect(afterAttempt({ kind: 'awaiting', detail: 'command c sent', untilMs: now + 50_000 }, 1, policy, now + 20_000, now, 0.5)).toEqual({ state: 'RUNNING', detail: 'command c sent', nextAttemptAt: now + 20_000, awaitingUntil: now + 20_000 });
  });
});

describe('beforeAttempt', () => {
  it('expires an execution claimed past its deadline, and fails one whose wait ended without an outcome', () => {
    expect(beforeAttempt({ deadlineAt: now, awaitingUntil: null, detail: null }, now)).toMatchObject({ state: 'EXPIRED' });
    expect(beforeAttempt({ deadlineAt: null, awaitingUntil: now - 1, detail: 'command c sent' }, now)).toMatchObject({ state: 'FAILED', detail: expect.stringContaining('command c sent') });
    expect(beforeAttempt({ deadlineAt: now + 1, awaitingUntil: null, detail: null }, now)).toBeUndefined();
  });
});
