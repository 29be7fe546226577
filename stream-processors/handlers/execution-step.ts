/**
 * What an execution becomes after an attempt, or when it is claimed past its
 * deadline or its wait. Pure: times and the random number are arguments.
 *
 *   RUNNING ──attempt──► SUCCEEDED | FAILED
 *      │  ▲                 ▲
 *      │  └──awaiting───────┤ (a command's status, by untilMs at the latest)
 *      └──retry──► RETRYING ─┘ (the schedule spent: FAILED)
 *   any open state past deadlineAt, or whose next attempt would be: EXPIRED
 */
import { nextAttemptDelay, type RetryPolicy } from '../../lib/retry-schedule';
import type { HandlerState } from '../../schemas/types';
import type { HandlerOutcome } from './handler';

export interface ExecutionChange {
  state: HandlerState;
  detail: string;
  /** When it is claimed next; null once it finished. */
  nextAttemptAt: number | null;
  /** Set while a sent command's status is awaited: claimed then, it FAILED for want of one. */
  awaitingUntil: number | null;
}

export function isFinished(state: HandlerState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'EXPIRED';
}

const finished = (state: HandlerState, detail: string): ExecutionChange => ({ state, detail, nextAttemptAt: null, awaitingUntil: null });

/** The change after attempt number `attempts` (this one counted) gave `outcome`. */
export function afterAttempt(outcome: HandlerOutcome, attempts: number, policy: RetryPolicy, deadlineAt: number | null, now: number, random: number): ExecutionChange {
  switch (outcome.kind) {
    case 'succeeded':
      return finished('SUCCEEDED', outcome.detail);
    case 'failed':
      return finished('FAILED', outcome.reason);
    case 'awaiting': {
      const until = deadlineAt === null ? outcome.untilMs : Math.min(outcome.untilMs, deadlineAt);
      return { state: 'RUNNING', detail: outcome.detail, nextAttemptAt: until, awaitingUntil: until };
    }
    case 'retry': {
      const delay = nextAttemptDelay(policy, attempts, random, outcome.afterMs);
      if (delay === undefined) return finished('FAILED', `${outcome.reason}; ${attempts} attempts, the retry schedule is spent`);
      if (deadlineAt !== null && now + delay >= deadlineAt) return finished('EXPIRED', `${outcome.reason}; the next attempt would be past the deadline`);
      return { state: 'RETRYING', detail: outcome.reason, nextAttemptAt: now + delay, awaitingUntil: null };
    }
  }
}

/** The change of an execution claimed before its attempt, or undefined when the attempt should run. */
export function beforeAttempt(execution: { deadlineAt: number | null; awaitingUntil: number | null; detail: string | null }, now: number): ExecutionChange | undefined {
  if (execution.deadlineAt !== null && execution.deadlineAt <= now) return finished('EXPIRED', `the deadline ${new Date(execution.deadlineAt).toISOString()} passed`);
  if (execution.awaitingUntil !== null && execution.awaitingUntil <= now) return finished('FAILED', `no outcome by ${new Date(execution.awaitingUntil).toISOString()}: ${execution.detail ?? ''}`.trim());
  return undefined;
}
