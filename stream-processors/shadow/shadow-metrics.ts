import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ShadowMetrics = ReturnType<typeof createShadowMetrics>;

export function createShadowMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'shadow_requests_total',
      help: 'Shadow requests by origin (device, api), operation and outcome (accepted, rejected); input that was no request is counted as skipped or dead_lettered',
      labelNames: ['from', 'operation', 'outcome'],
      registers: [registry],
    }),
    deltas: new Counter({ name: 'shadow_deltas_total', help: 'Retained deltas published, and clearings (cleared=true)', labelNames: ['cleared'], registers: [registry] }),
    transaction: new Histogram({ name: 'shadow_transaction_seconds', help: 'Duration of one Kafka transaction (a batch of requests: state, downlinks, results, offsets)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    transactionsFailed: new Counter({ name: 'shadow_transactions_failed_total', help: 'Transactions that failed for good: their batch is consumed again', registers: [registry] }),
    restores: new Counter({ name: 'shadow_state_restores_total', help: 'Partitions whose shadows were read back from the shadows topic', registers: [registry] }),
    devices: new Gauge({ name: 'shadow_devices', help: 'Devices with a shadow (deleted ones included) in the partitions held', registers: [registry] }),
  };
}
