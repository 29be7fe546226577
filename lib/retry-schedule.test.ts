import { parseDuration } from './duration';
import { defaultRetrySchedule, nextAttemptDelay, type RetryPolicy } from './retry-schedule';

const policy: RetryPolicy = { scheduleMs: defaultRetrySchedule.split(',').map(parseDuration), jitter: 0.2, maxRetryAfterMs: 86_400_000 };

describe('nextAttemptDelay', () => {
  it('spans about three days over ten attempts by default', () => {
    const total = policy.scheduleMs.reduce((a, b) => a + b, 0);
    expect(policy.scheduleMs).toHaveLength(9);
    expect(total / 3_600_000).toBeCloseTo(75.58, 1);
  });

  it('follows the schedule, jittered by at most the fraction either way', () => {
    expect(nextAttemptDelay(policy, 1, 0.5)).toBe(5000);
    expect(nextAttemptDelay(policy, 1, 0)).toBe(4000);
    expect(nextAttemptDelay(policy, 1, 0.999999)).toBe(6000);
    expect(nextAttemptDelay(policy, 2, 0.5)).toBe(300_000);
  });

  it('ends after the last wait', () => {
    expect(nextAttemptDelay(policy, 9, 0.5)).toBe(86_400_000);
    expect(nextAttemptDelay(policy, 10, 0.5)).toBeUndefined();
  });

  it('waits for a Retry-After longer than the scheduled wait, up to the most honoured', () => {
    expect(nextAttemptDelay(policy, 1, 0.5, 60_000)).toBe(60_000);
    expect(nextAttemptDelay(policy, 1, 0.5, 1000)).toBe(5000);
    expect(nextAttemptDelay({ ...policy, maxRetryAfterMs: 10_000 }, 1, 0.5, 60_000)).toBe(10_000);
  });

  it('gives up at the end even when asked to retry later', () => {
    expect(nextAttemptDelay(policy, 10, 0.5, 1000)).toBeUndefined();
  });
});
