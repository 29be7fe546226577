import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type StageMetrics = ReturnType<typeof createStageMetrics>;

/** The bucket bounds of `rollups_input_delay_seconds`, seconds. */
export const inputDelayBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900];

/** One set of metrics for every stage, told apart by the `stage` label (rollups-1m, rollups-1h, ...). */
export function createStageMetrics(registry: Registry) {
  return {
    inputs: new Counter({ name: 'rollups_inputs_total', help: 'Input records by outcome: accepted, duplicate, late, skipped (provisional finer rollups), undecodable', labelNames: ['stage', 'outcome'], registers: [registry] }),
    emitted: new Counter({ name: 'rollups_emitted_total', help: 'Rollups produced, final or provisional', labelNames: ['stage', 'final'], registers: [registry] }),
    openWindows: new Gauge({ name: 'rollups_open_windows', help: 'Windows held open', labelNames: ['stage'], registers: [registry] }),
    series: new Gauge({ name: 'rollups_series', help: 'Series with state: each keeps its event time and the end of the windows it closed, open windows or not', labelNames: ['stage'], registers: [registry] }),
    transaction: new Histogram({ name: 'rollups_transaction_seconds', help: 'Duration of one Kafka transaction (outputs, state, offsets)', labelNames: ['stage'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    commitsFailed: new Counter({ name: 'rollups_commits_failed_total', help: 'Commits that failed for good: what was consumed since the last one is consumed again', labelNames: ['stage'], registers: [registry] }),
    inputDelay: new Histogram({
      name: 'rollups_input_delay_seconds',
      help: 'At each commit, how long before it the newest input record it commits was produced to Kafka: how late the rollups it emits (provisional ones included) follow their inputs',
      labelNames: ['stage'],
      buckets: inputDelayBuckets,
      registers: [registry],
    }),
    restores: new Counter({ name: 'rollups_state_restores_total', help: 'Partition state restored from the changelog', labelNames: ['stage'], registers: [registry] }),
  };
}
