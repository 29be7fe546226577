import { Counter, Histogram, type Registry } from 'prom-client';

export type ProducerMetrics = ReturnType<typeof createProducerMetrics>;

/** What a source reports of its Kafka sends and dead letters, its metrics named `<prefix>_...` (`mqtt_source_produce_seconds`). */
export function createProducerMetrics(registry: Registry, prefix: string) {
  return {
    deadLettered: new Counter({ name: `${prefix}_dead_lettered_total`, help: 'Messages dead-lettered, by reason', labelNames: ['reason'], registers: [registry] }),
    produceLatency: new Histogram({
      name: `${prefix}_produce_seconds`,
      help: 'Duration of one Kafka send (one batch), retries included',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    batchRecords: new Histogram({ name: `${prefix}_batch_records`, help: 'Records per Kafka send', buckets: [1, 5, 10, 50, 100, 500, 1000, 5000], registers: [registry] }),
    produceRetries: new Counter({ name: `${prefix}_produce_retries_total`, help: 'Kafka sends retried after a failure', registers: [registry] }),
  };
}
