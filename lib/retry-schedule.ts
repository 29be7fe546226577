/**
 * When a failed message is tried again. The schedule lists the wait after
 * each failed attempt; past its end the message is given up (dead-lettered).
 * The default is Standard Webhooks' example: the first attempt at once, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h, ten attempts over
 * about 75 hours. Each wait is spread by a random jitter (± `jitter` of it) so
 * that messages failed together, by an endpoint's outage, do not all come back
 * at once. A `Retry-After` longer than the scheduled wait replaces it, up to
 * `maxRetryAfterMs`. Pure: the random number is an argument.
 */

export interface RetryPolicy {
  /** Waits after the 1st, 2nd, ... failed attempt, in ms. */
  scheduleMs: readonly number[];
  /** Fraction of each wait the jitter may add or take away, in [0, 1). */
  jitter: number;
  /** The longest `Retry-After` honoured. */
  maxRetryAfterMs: number;
}

export const defaultRetrySchedule = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

/**
 * The wait before the next attempt after `attempts` attempts failed, or
 * undefined when the schedule is spent. `random` is in [0, 1).
 */
export function nextAttemptDelay(policy: RetryPolicy, attempts: number, random: number, retryAfterMs?: number): number | undefined {
  const scheduled = policy.scheduleMs[attempts - 1];
  if (scheduled === undefined) return undefined;
  const jittered = Math.round(scheduled * (1 + policy.jitter * (2 * random - 1)));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
