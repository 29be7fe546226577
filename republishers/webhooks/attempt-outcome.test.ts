import { nextStep } from './attempt-outcome';
import type { RetryPolicy } from '../../lib/retry-schedule';

const policy: RetryPolicy = { scheduleMs: [100, 200], jitter: 0, maxRetryAfterMs: 60_000 };
const now = 1_000_000;

describe('nextStep', () => {
  it('delivers on any 2xx', () => {
    for (const status of [200, 201, 204, 299]) expect(nextStep({ kind: 'answered', status }, 1, policy, now, 0.5)).toEqual({ kind: 'delivered' });
  });

  it('disables the subscription on 410, whatever the attempt', () => {
    expect(nextStep({ kind: 'answered', status: 410 }, 3, policy, now, 0.5)).toMatchObject({ kind: 'disable' });
  });

  it('retries other statuses, redirects, timeouts and refused addresses on the schedule', () => {
    expect(nextStep({ kind: 'answered', status: 500 }, 1, policy, now, 0.5)).toEqual({ kind: 'retry', delayMs: 100, reason: 'HTTP 500' });
    expect(nextStep({ kind: 'answered', status: 302 }, 2, policy, now, 0.5)).toEqual({ kind: 'retry', delayMs: 200, reason: 'HTTP 302' });
    expect(nextStep({ kind: 'unanswered', failure: 'timeout', message: 'no answer in 10 s' }, 1, policy, now, 0.5)).toMatchObject({ kind: 'retry', reason: 'timeout: no answer in 10 s' });
    expect(nextStep({ kind: 'unanswered', failure: 'address_refused', message: '10.0.0.1 is a private address' }, 1, policy, now, 0.5)).toMatchObject({ kind: 'retry' });
  });

  it('honours Retry-After on a 429 or 503', () => {
    expect(nextStep({ kind: 'answered', status: 429, retryAfter: '3' }, 1, policy, now, 0.5)).toMatchObject({ kind: 'retry', delayMs: 3000 });
    expect(nextStep({ kind: 'answered', status: 503, retryAfter: new Date(now + 7000).toUTCString() }, 1, policy, now, 0.5)).toMatchObject({ kind: 'retry', delayMs: 7000 });
  });

  it('gives up once the schedule is spent, saying why', () => {
    expect(nextStep({ kind: 'answered', status: 500 }, 3, policy, now, 0.5)).toEqual({ kind: 'give_up', reason: 'HTTP 500; 3 attempts, the retry schedule is spent' });
  });
});
