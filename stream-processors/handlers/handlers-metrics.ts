import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueStats } from './execution-store';

/** What the handler workers report on /metrics. */
export interface HandlersMetrics {
  /** Requests taken into the executions table, by kind (a replayed execution id is not counted again). */
  requests: Counter<'handler'>;
  /** Executions that finished or moved on, by kind and outcome: succeeded, failed, expired, retrying, awaiting. */
  executions: Counter<'handler' | 'outcome'>;
  /** Attempts made, by kind. */
  attempts: Counter<'handler'>;
  attemptSeconds: Histogram<'handler'>;
  /** Due executions per kind, and how long the oldest has been due (read from PostgreSQL at each scrape). */
  queueDepth: Gauge<'handler'>;
  queueAge: Gauge<'handler'>;
  /** Results written to fleet.handler-results.v1. */
  results: Counter;
  deadLettered: Counter<'reason'>;
  /** Failed attempts at writing a batch, running a round, recording an outcome or publishing results, each retried. */
  failures: Counter<'work'>;
}

export function createHandlersMetrics(registry: Registry, stats: () => Promise<QueueStats[]>): HandlersMetrics {
  const registers = [registry];
  // both gauges come from one query per scrape
  let last: { at: number; rows: Promise<QueueStats[] | undefined> } | undefined;
  const rowsNow = () => {
    if (last === undefined || performance.now() - last.at > 1000) last = { at: performance.now(), rows: stats().catch(() => undefined) };
    return last.rows;
  };
  const perHandler = (name: string, help: string, value: (row: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['handler'],
      registers,
      async collect() {
        const rows = await rowsNow();
        if (rows === undefined) return;
        this.reset();
        for (const row of rows) this.set({ handler: row.handler }, value(row));
      },
    });
  return {
    requests: new Counter({ name: 'handlers_requests_total', help: 'Handler requests taken, by kind', labelNames: ['handler'], registers }),
    executions: new Counter({ name: 'handlers_executions_total', help: 'Execution outcomes by kind: succeeded, failed, expired, retrying, awaiting', labelNames: ['handler', 'outcome'], registers }),
    attempts: new Counter({ name: 'handlers_attempts_total', help: 'Attempts made, by kind', labelNames: ['handler'], registers }),
    attemptSeconds: new Histogram({ name: 'handlers_attempt_seconds', help: 'How long an attempt took, by kind', labelNames: ['handler'], buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 30], registers }),
    queueDepth: perHandler('handlers_due_executions', 'Executions due now and not under way, by kind', (row) => row.due),
    queueAge: perHandler('handlers_oldest_due_seconds', 'How long the oldest due execution has been due, by kind', (row) => row.oldestDueSeconds),
    results: new Counter({ name: 'handlers_results_total', help: 'HandlerResults written to the results topic', registers }),
    deadLettered: new Counter({ name: 'handlers_dead_lettered_total', help: 'Requests dead-lettered, by reason', labelNames: ['reason'], registers }),
    failures: new Counter({ name: 'handlers_failures_total', help: 'Failed attempts at work retried: batch, round, record, results', labelNames: ['work'], registers }),
  };
}
