import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the configuration processor reports on /metrics. */
export interface ConfigurationMetrics {
  /** Input records by what they were: assignment, config_ack, status, or another kind skipped. */
  records: Counter<'kind'>;
  /** State changes committed, by the state reached. */
  stateChanges: Counter<'state'>;
  /** Inputs that changed nothing, by why (older_assignment, stale_ack, repeated_ack, no_configuration). */
  ignored: Counter<'reason'>;
  deadLettered: Counter<'reason'>;
  /** Retained configurations produced to the downlink topic. */
  publications: Counter;
  batchSeconds: Histogram;
  /** Failed attempts at a batch or a delivery round, each retried. */
  failures: Counter<'work'>;
  ownedPartitions: Gauge;
}

export function createConfigurationMetrics(registry: Registry): ConfigurationMetrics {
  const registers = [registry];
  return {
    records: new Counter({ name: 'configuration_records_total', help: 'input records, by kind', labelNames: ['kind'], registers }),
    stateChanges: new Counter({ name: 'configuration_state_changes_total', help: 'device configuration state changes, by the state reached', labelNames: ['state'], registers }),
    ignored: new Counter({ name: 'configuration_inputs_ignored_total', help: 'inputs that changed no state, by reason', labelNames: ['reason'], registers }),
    deadLettered: new Counter({ name: 'configuration_dead_lettered_total', help: 'records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers }),
    publications: new Counter({ name: 'configuration_publications_total', help: 'retained configurations produced to the downlink topic', registers }),
    batchSeconds: new Histogram({ name: 'configuration_batch_seconds', help: 'from receiving a batch to its state committed', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    failures: new Counter({ name: 'configuration_failures_total', help: 'failed attempts, each retried, by work (batch, delivery)', labelNames: ['work'], registers }),
    ownedPartitions: new Gauge({ name: 'configuration_owned_partitions', help: 'partitions of the inputs this member owns', registers }),
  };
}
