import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the webhooks republisher reports on /metrics. */
export interface WebhooksMetrics {
  /** Events of the source topics that became part of an outbox message, by type. */
  events: Counter<'type'>;
  /** Outbox messages written (one per request body). */
  messages: Counter;
  /** Messages finished or moved on by an attempt, by outcome: delivered, retried, disabled (410), dead_lettered. */
  deliveries: Counter<'outcome'>;
  /** Attempts by result: 2xx, 3xx, 4xx, 5xx, timeout, address_refused, network. */
  attempts: Counter<'result'>;
  attemptSeconds: Histogram;
  /** Pending messages per subscription, and how long the oldest has waited (read from the outbox at each scrape). */
  queueDepth: Gauge<'subscription'>;
  queueAge: Gauge<'subscription'>;
  deadLettered: Counter<'reason'>;
  /** Failed attempts at writing a batch or running a delivery round, each retried. */
  failures: Counter<'work'>;
}

export function createWebhooksMetrics(registry: Registry, depths: () => Promise<{ subscriptionId: string; pending: number; oldestSeconds: number }[]>): WebhooksMetrics {
  const registers = [registry];
  // both gauges come from one query, shared by the collects of one scrape (a registry collects its metrics at once)
  let last: { at: number; rows: Promise<Awaited<ReturnType<typeof depths>> | undefined> } | undefined;
  const rowsNow = () => {
    if (last === undefined || performance.now() - last.at > 1000) last = { at: performance.now(), rows: depths().catch(() => undefined) };
    return last.rows;
  };
  const perSubscription = (name: string, help: string, value: (row: { pending: number; oldestSeconds: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['subscription'],
      registers,
      // a subscription with nothing pending drops out
      async collect() {
        const rows = await rowsNow();
        if (rows === undefined) return;
        this.reset();
        for (const row of rows) this.set({ subscription: row.subscriptionId }, value(row));
      },
    });
  const queueDepth = perSubscription('webhooks_queue_depth', 'pending messages, per subscription', (row) => row.pending);
  const queueAge = perSubscription('webhooks_queue_oldest_seconds', 'age of the oldest pending message, per subscription', (row) => row.oldestSeconds);
  return {
    events: new Counter({ name: 'webhooks_events_total', help: 'source events put in outbox messages, by type', labelNames: ['type'], registers }),
    messages: new Counter({ name: 'webhooks_messages_total', help: 'outbox messages written (one per request body)', registers }),
    deliveries: new Counter({ name: 'webhooks_deliveries_total', help: 'attempt outcomes: delivered, retried, disabled, dead_lettered', labelNames: ['outcome'], registers }),
    attempts: new Counter({ name: 'webhooks_attempts_total', help: 'delivery attempts by result (2xx, 4xx, 5xx, timeout, address_refused, network, ...)', labelNames: ['result'], registers }),
    attemptSeconds: new Histogram({ name: 'webhooks_attempt_seconds', help: 'time of one attempt, connection to answer', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30], registers }),
    queueDepth,
    queueAge,
    deadLettered: new Counter({ name: 'webhooks_dead_lettered_total', help: 'records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers }),
    failures: new Counter({ name: 'webhooks_failures_total', help: 'failed attempts at work, each retried (batch, delivery)', labelNames: ['work'], registers }),
  };
}
