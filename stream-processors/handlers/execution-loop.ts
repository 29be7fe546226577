/**
 * Runs the executions: a round every poll interval, and at once when woken
 * (requests taken, an attempt finished). A round claims as many due
 * executions as there are free slots (maxInFlight minus the attempts under
 * way), at most maxInFlightPerReceiver of one receiver, and starts their
 * attempts without waiting for them: a receiver that never answers holds its
 * own slots until the attempt timeout, and every other receiver's executions
 * are claimed and run meanwhile. Rounds never overlap.
 */
import type { Logger } from '../../lib/logger';
import { KeyedAttempts } from '../../lib/keyed-attempts';
import { PeriodicRounds } from '../../lib/periodic-rounds';
import type { RetryPolicy } from '../../lib/retry-schedule';
import type { HandlerOutcome } from './handler';
import type { HandlerServices } from './handler-services';
import { handlerFor } from './handler-table';
import type { HandlersMetrics } from './handlers-metrics';
import { afterAttempt, beforeAttempt, type ExecutionChange } from './execution-step';
import type { ClaimedExecution, ExecutionStore } from './execution-store';

export interface ExecutionLoopOptions {
  store: ExecutionStore;
  services: HandlerServices;
  policy: RetryPolicy;
  maxInFlight: number;
  maxInFlightPerReceiver: number;
  /** Longest an attempt may take; past it, it is retried. */
  attemptTimeoutMs: number;
  pollIntervalMs: number;
  logger: Logger;
  metrics: HandlersMetrics;
  /** Called after changes were recorded (their results wait in the outbox). */
  onChange(): void;
  random?: () => number;
}

const outcomeLabel = { SUCCEEDED: 'succeeded', FAILED: 'failed', EXPIRED: 'expired', RETRYING: 'retrying', RUNNING: 'awaiting' } as const;

export class ExecutionLoop {
  private readonly attempts = new KeyedAttempts();
  private readonly rounds: PeriodicRounds;

  constructor(private readonly options: ExecutionLoopOptions) {
    this.rounds = new PeriodicRounds(() => this.runRound(), options.pollIntervalMs);
  }

  start(): void {
    this.rounds.start(true);
  }

  wake(): void {
    this.rounds.wake();
  }

  /** Stops claiming and waits for the attempts under way (each ends by the attempt timeout). */
  async stop(): Promise<void> {
    await this.rounds.stop();
    await this.attempts.settled();
  }

  private async runRound(): Promise<void> {
    const { store, maxInFlight, maxInFlightPerReceiver, attemptTimeoutMs, logger, metrics } = this.options;
    try {
      // the lease outlasts the attempt, with room for recording it
      const claimed = await store.claimDue(maxInFlight - this.attempts.size, maxInFlightPerReceiver, this.attempts.busy, attemptTimeoutMs + 5000);
      for (const execution of claimed) this.begin(execution);
    } catch (error) {
      metrics.failures.inc({ work: 'round' });
      logger.warn({ event: 'execution_round_failed', err: error }, 'an execution round failed; retried at the next interval');
    }
  }

  private begin(execution: ClaimedExecution): void {
    this.attempts.start(execution.receiver, () => this.run(execution), () => this.wake());
  }

  private async run(execution: ClaimedExecution): Promise<void> {
    const { store, policy, logger, metrics } = this.options;
    const log = { execution: execution.executionId, handler: execution.handler, receiver: execution.receiver, attempt: execution.attempts + 1 };
    let change = beforeAttempt(execution, Date.now());
    let attempts = execution.attempts;
    if (change === undefined) {
      attempts += 1;
      const outcome = await this.attempt(execution);
      change = afterAttempt(outcome, attempts, policy, execution.deadlineAt, Date.now(), (this.options.random ?? Math.random)());
    }
    try {
      const recorded = await store.record(execution.executionId, execution.attempts, attempts, change);
      if (!recorded) {
        logger.info({ event: 'execution_moved_on', ...log }, 'the execution finished or was taken meanwhile; this attempt records nothing');
        return;
      }
      metrics.executions.inc({ handler: execution.handler, outcome: outcomeLabel[change.state] });
      this.options.onChange();
      logChange(logger, log, change);
    } catch (error) {
      // the claim's lease ends and the execution is attempted again, under the same id
      metrics.failures.inc({ work: 'record' });
      logger.warn({ event: 'attempt_unrecorded', ...log, err: error }, 'recording an attempt failed; the execution is attempted again when its lease ends');
    }
  }

  private async attempt(execution: ClaimedExecution): Promise<HandlerOutcome> {
    const { services, attemptTimeoutMs, metrics } = this.options;
    metrics.attempts.inc({ handler: execution.handler });
    const timer = metrics.attemptSeconds.startTimer({ handler: execution.handler });
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<HandlerOutcome>((resolve) => {
      timeout = setTimeout(() => resolve({ kind: 'retry', reason: `timeout: no outcome within ${attemptTimeoutMs} ms` }), attemptTimeoutMs);
    });
    try {
      const running = handlerFor(execution.handler)
        .execute({ ...execution, attempts: execution.attempts }, services)
        .catch((error: unknown): HandlerOutcome => ({ kind: 'retry', reason: `error: ${(error as Error).message}` }));
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timeout);
      timer();
    }
  }
}

function logChange(logger: Logger, log: Record<string, unknown>, change: ExecutionChange): void {
  const fields = { ...log, state: change.state, detail: change.detail };
  if (change.state === 'SUCCEEDED') logger.info({ event: 'execution_succeeded', ...fields }, 'execution succeeded');
  else if (change.state === 'RUNNING') logger.info({ event: 'execution_awaiting', ...fields, until: change.awaitingUntil }, 'execution sent; awaiting its outcome');
  else if (change.state === 'RETRYING') logger.info({ event: 'execution_retrying', ...fields, nextAttemptAt: change.nextAttemptAt }, 'attempt failed; retried later');
  else logger.warn({ event: 'execution_finished', ...fields }, 'execution failed or expired');
}
