import { webhookBody, webhookOutcome } from './webhook-handler';

describe('webhookOutcome', () => {
  it('succeeds on a 2xx, fails for good on 410, retries anything else with the Retry-After asked', () => {
    expect(webhookOutcome({ kind: 'answered', status: 204 }, 0)).toEqual({ kind: 'succeeded', detail: 'HTTP 204' });
    expect(webhookOutcome({ kind: 'answered', status: 410 }, 0)).toMatchObject({ kind: 'failed' });
    expect(webhookOutcome({ kind: 'answered', status: 503, retryAfter: '120' }, 0)).toEqual({ kind: 'retry', reason: 'HTTP 503', afterMs: 120_000 });
    expect(webhookOutcome({ kind: 'answered', status: 500 }, 0)).toEqual({ kind: 'retry', reason: 'HTTP 500' });
    expect(webhookOutcome({ kind: 'unanswered', failure: 'timeout', message: 'no answer within 15000 ms' }, 0)).toEqual({ kind: 'retry', reason: 'timeout: no answer within 15000 ms' });
  });
});

describe('webhookBody', () => {
  it('is the same at every attempt: the payload as data, with what fired it', () => {
    const execution = { executionId: 'e-1', tenant: 'acme', target: {}, payload: '{"v":1}', originId: 'a', trigger: 'schedule:x', firedAt: 0, attempts: 0 };
    expect(webhookBody(execution)).toBe(webhookBody({ ...execution, attempts: 3 }));
    expect(JSON.parse(webhookBody(execution))).toEqual({ type: 'handler.execution', timestamp: '1970-01-01T00:00:00.000Z', executionId: 'e-1', origin: 'a', trigger: 'schedule:x', data: { v: 1 } });
  });
});
