/**
 * What one delivery attempt's result means (Standard Webhooks, "Delivery
 * success and failure"): a 2xx delivers; 410 Gone says the receiver wants no
 * more, so the subscription is disabled (its messages stay queued, sent again
 * if it is enabled again); any other status (3xx included: redirects are not
 * followed), a timeout, a refused address or a network error is a failure,
 * tried again on the retry schedule, `Retry-After` honoured, and given up at
 * its end. Pure.
 */
import type { AttemptResult } from '../../lib/http-delivery';
import { retryAfterMs } from '../../lib/retry-after';
import { nextAttemptDelay, type RetryPolicy } from '../../lib/retry-schedule';

export type { AttemptResult };

export type NextStep =
  | { kind: 'delivered' }
  | { kind: 'disable'; reason: string }
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'give_up'; reason: string };

/** Why an attempt failed, as recorded on the message (`last_error`) and in a dead letter. */
export function failureReason(result: AttemptResult): string {
  return result.kind === 'answered' ? `HTTP ${result.status}` : `${result.failure}: ${result.message}`;
}

/** The next step after the `attempts`-th attempt (counting this one) gave `result`. */
export function nextStep(result: AttemptResult, attempts: number, policy: RetryPolicy, now: number, random: number): NextStep {
  if (result.kind === 'answered' && result.status >= 200 && result.status < 300) return { kind: 'delivered' };
  const reason = failureReason(result);
  if (result.kind === 'answered' && result.status === 410) return { kind: 'disable', reason: `the endpoint answered 410 Gone` };
  const asked = result.kind === 'answered' ? retryAfterMs(result.retryAfter, now) : undefined;
  const delayMs = nextAttemptDelay(policy, attempts, random, asked);
  if (delayMs === undefined) return { kind: 'give_up', reason: `${reason}; ${attempts} attempts, the retry schedule is spent` };
  return { kind: 'retry', delayMs, reason };
}
