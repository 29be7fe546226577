/**
 * Delivers the outbox: a round every poll interval, and at once when woken (a
 * batch wrote messages, an attempt finished). A round claims, for each
 * enabled subscription, as many due messages as it has free slots
 * (maxInFlightPerSubscription minus its attempts under way) and starts their
 * attempts without waiting for them. So an endpoint that never answers holds
 * its own slots until the request timeout, and every other subscription's
 * messages are claimed and sent meanwhile: one endpoint neither delays nor
 * duplicates another's deliveries. Rounds never overlap.
 */
import type { Logger } from '../../lib/logger';
import { KeyedAttempts } from '../../lib/keyed-attempts';
import { PeriodicRounds } from '../../lib/periodic-rounds';
import { nextStep, type AttemptResult, type NextStep } from './attempt-outcome';
import { retryAfterMs } from '../../lib/retry-after';
import { BatchedWrites } from './batched-writes';
import type { HttpDelivery } from '../../lib/http-delivery';
import type { AttemptRecord, ClaimedMessage, OutboxStore } from './outbox-store';
import type { RetryPolicy } from '../../lib/retry-schedule';
import { webhookHeaders } from '../../lib/webhook-signature';
import type { Subscription } from './subscription';
import type { SubscriptionCache } from './subscription-cache';
import type { WebhooksMetrics } from './webhooks-metrics';

export interface DeliveryLoopOptions {
  store: OutboxStore;
  cache: SubscriptionCache;
  http: HttpDelivery;
  policy: RetryPolicy;
  maxInFlightPerSubscription: number;
  /** How long a claimed message is kept from other claims: longer than an attempt may take. */
  leaseMs: number;
  pollIntervalMs: number;
  logger: Logger;
  metrics: WebhooksMetrics;
  /** Must have sent the message to the dead-letter topic when it resolves. */
  deadLetter(message: ClaimedMessage, subscription: Subscription, reason: string, status: number | null): Promise<void>;
  random?: () => number;
}

function resultLabel(result: AttemptResult): string {
  return result.kind === 'answered' ? `${Math.floor(result.status / 100)}xx` : result.failure;
}

function recordOf(step: Exclude<NextStep, { kind: 'delivered' }>, result: AttemptResult): AttemptRecord {
  const status = result.kind === 'answered' ? result.status : null;
  if (step.kind === 'retry') return { kind: 'retry', delayMs: step.delayMs, status, error: step.reason };
  if (step.kind === 'give_up') return { kind: 'dead', status, error: step.reason };
  return { kind: 'gone', status: status!, error: step.reason };
}

const outcomeLabel = { delivered: 'delivered', retry: 'retried', give_up: 'dead_lettered', disable: 'disabled' } as const;

export class DeliveryLoop {
  /** Subscriptions whose endpoint asked to wait (Retry-After on a failure: 429, 503, ...), until when: none of their messages is claimed before. */
  private readonly pausedUntil = new Map<string, number>();
  private readonly attempts = new KeyedAttempts();
  private readonly rounds: PeriodicRounds;
  // deliveries finishing together are recorded in one statement: one round trip per message capped a subscription of
  // maxBatch 1 at about 220 deliveries/s to a local receiver (4 in flight, this loaded two-core machine)
  private readonly delivered: BatchedWrites<{ messageId: string; attempts: number; status: number }>;

  constructor(private readonly options: DeliveryLoopOptions) {
    this.rounds = new PeriodicRounds(() => this.runRound(), options.pollIntervalMs);
    this.delivered = new BatchedWrites((items) => options.store.recordDelivered(items));
  }

  start(): void {
    this.rounds.start(true);
  }

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    this.rounds.wake();
  }

  /** Stops claiming and waits for the attempts under way (each ends by its request timeout). */
  async stop(): Promise<void> {
    await this.rounds.stop();
    await this.attempts.settled();
  }

  private async runRound(): Promise<void> {
    const { store, cache, maxInFlightPerSubscription, leaseMs, logger, metrics } = this.options;
    try {
      const subscriptions = await cache.fresh();
      const now = Date.now();
      for (const [id, until] of this.pausedUntil) if (until <= now) this.pausedUntil.delete(id);
      const wanted = subscriptions
        .filter((s) => !this.pausedUntil.has(s.id))
        .map((s) => ({ subscriptionId: s.id, slots: maxInFlightPerSubscription - this.attempts.count(s.id) }))
        .filter((w) => w.slots > 0);
      const claimed = await store.claimDue(wanted, leaseMs);
      const byId = new Map(subscriptions.map((s) => [s.id, s]));
      for (const message of claimed) this.begin(message, byId.get(message.subscriptionId)!);
    } catch (error) {
      metrics.failures.inc({ work: 'delivery' });
      logger.warn({ event: 'delivery_round_failed', err: error }, 'a delivery round failed; retried at the next interval');
    }
  }

  private begin(message: ClaimedMessage, subscription: Subscription): void {
    this.attempts.start(subscription.id, () => this.attempt(message, subscription), () => this.wake());
  }

  private async attempt(message: ClaimedMessage, subscription: Subscription): Promise<void> {
    const { store, http, policy, logger, metrics } = this.options;
    const random = this.options.random ?? Math.random;
    const timer = metrics.attemptSeconds.startTimer();
    const result = await http.post(subscription.url, message.body, webhookHeaders(message.id, Date.now(), message.body, subscription.keys));
    timer();
    metrics.attempts.inc({ result: resultLabel(result) });
    const attempts = message.attempts + 1;
    const step = nextStep(result, attempts, policy, Date.now(), random());
    // Standard Webhooks: a 429 or 503 with Retry-After throttles the endpoint, not only this message (per instance)
    const asked = step.kind === 'retry' && result.kind === 'answered' ? retryAfterMs(result.retryAfter, Date.now()) : undefined;
    if (asked !== undefined && asked > 0) this.pausedUntil.set(subscription.id, Math.max(this.pausedUntil.get(subscription.id) ?? 0, Date.now() + Math.min(asked, policy.maxRetryAfterMs)));
    const log = { subscription: subscription.id, message: message.id, attempt: attempts, result: result.kind === 'answered' ? result.status : result.failure };
    try {
      if (step.kind === 'give_up') await this.options.deadLetter(message, subscription, step.reason, result.kind === 'answered' ? result.status : null);
      if (step.kind === 'disable') {
        await store.disable(subscription.id, step.reason);
        this.options.cache.drop(subscription.id);
        logger.warn({ event: 'subscription_disabled', ...log, reason: step.reason }, 'the endpoint answered 410 Gone: subscription disabled');
      }
      if (step.kind === 'delivered') await this.delivered.add({ messageId: message.id, attempts, status: (result as { status: number }).status });
      else await store.recordAttempt(message.id, attempts, recordOf(step, result));
      metrics.deliveries.inc({ outcome: outcomeLabel[step.kind] });
      if (step.kind === 'retry') logger.info({ event: 'delivery_retried', ...log, retryInMs: step.delayMs, reason: step.reason }, 'delivery failed; retried later');
      else if (step.kind === 'give_up') logger.warn({ event: 'delivery_given_up', ...log, reason: step.reason }, 'delivery given up: dead-lettered');
    } catch (error) {
      // the claim's lease ends and the message is sent again, under the same id
      metrics.failures.inc({ work: 'delivery' });
      logger.warn({ event: 'attempt_unrecorded', ...log, err: error }, 'recording an attempt failed; the message is sent again when its lease ends');
    }
  }
}
