import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '../lib/metrics';

/** What a sink reports on /metrics. */
export interface SinkMetrics extends ConsumerLoopMetrics {
  registry: Registry;
  /** Rows (or keys) written, by target table or key kind. */
  rowsWritten: Counter<'target'>;
  /** Records sent to the dead-letter topic, by reason. */
  deadLettered: Counter<'reason'>;
}

/** What the consumer loop (batch-consumer.ts) reports, named `<prefix>_...`. */
export interface ConsumerLoopMetrics {
  /** Kafka batches written and committed, by topic. */
  batches: Counter<'topic'>;
  /** Time from receiving a batch to its offsets committed, seconds. */
  batchSeconds: Histogram<'topic'>;
  /** Failed write attempts (each is retried), by topic. */
  errors: Counter<'topic'>;
  /** 1 while a partition's batch write fails, 0 once it succeeds again. */
  failingPartitions: Gauge<'topic' | 'partition'>;
}

export function createSinkMetrics(component: string, prefix: string): SinkMetrics {
  const registry = createMetricsRegistry(component);
  const registers = [registry];
  return {
    registry,
    rowsWritten: new Counter({ name: `${prefix}_rows_written_total`, help: 'rows written, by target', labelNames: ['target'], registers }),
    ...createConsumerLoopMetrics(registry, prefix),
    deadLettered: new Counter({ name: `${prefix}_dead_lettered_total`, help: 'records sent to the dead-letter topic', labelNames: ['reason'], registers }),
  };
}

export function createConsumerLoopMetrics(registry: Registry, prefix: string): ConsumerLoopMetrics {
  const registers = [registry];
  return {
    batches: new Counter({ name: `${prefix}_batches_total`, help: 'Kafka batches written and committed', labelNames: ['topic'], registers }),
    batchSeconds: new Histogram({
      name: `${prefix}_batch_seconds`, help: 'from receiving a batch to committing its offsets', labelNames: ['topic'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    errors: new Counter({ name: `${prefix}_write_errors_total`, help: 'failed write attempts, each retried', labelNames: ['topic'], registers }),
    failingPartitions: new Gauge({ name: `${prefix}_partition_failing`, help: '1 while the partition\'s batch write fails, 0 once it succeeds', labelNames: ['topic', 'partition'], registers }),
  };
}
