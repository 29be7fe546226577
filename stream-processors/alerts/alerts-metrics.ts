import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AlertsMetrics = ReturnType<typeof createAlertsMetrics>;

export function createAlertsMetrics(registry: Registry) {
  return {
    evaluations: new Counter({ name: 'alerts_evaluations_total', help: 'Readings evaluated against a rule (one per rule that reads the record), by what the rule reads (raw, rollup)', labelNames: ['reads'], registers: [registry] }),
    late: new Counter({ name: 'alerts_late_readings_total', help: 'Readings not newer than the newest one evaluated for their (rule, series): they changed nothing', registers: [registry] }),
    provisional: new Counter({ name: 'alerts_provisional_rollups_total', help: 'Provisional rollups read and not evaluated: only final rollups page', registers: [registry] }),
    transitions: new Counter({ name: 'alerts_transitions_total', help: 'Alert transitions emitted, by transition and severity after it ("none" once resolved or cancelled)', labelNames: ['transition', 'severity'], registers: [registry] }),
    states: new Gauge({ name: 'alerts_states', help: '(rule, series) pairs held that are not idle (pending, firing, recovering, no data, or a condition holding), in the partitions held', registers: [registry] }),
    pairs: new Gauge({ name: 'alerts_pairs', help: '(rule, series) pairs held in memory, idle ones included', registers: [registry] }),
    rules: new Gauge({ name: 'alerts_rules', help: 'Rules in force', registers: [registry] }),
    transaction: new Histogram({ name: 'alerts_transaction_seconds', help: 'Duration of one Kafka transaction (a batch: alert events, state changelog, offsets)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    transactionsFailed: new Counter({ name: 'alerts_transactions_failed_total', help: 'Transactions that failed for good: their batch is consumed again', registers: [registry] }),
    inputLag: new Gauge({
      name: 'alerts_input_lag_seconds',
      help: 'How far behind now the clock of each rule input is (raw, or a resolution): the wall time through which every stage behind it (this processor, the rollups stages) has read everything, on its slowest partition. No-data alerts measure silence against that clock; pipeline-stale fires past ALERTS_PIPELINE_STALE_AFTER',
      labelNames: ['input'],
      registers: [registry],
    }),
    restores: new Counter({ name: 'alerts_state_restores_total', help: 'Partitions whose states were read back from the state topic', registers: [registry] }),
  };
}
