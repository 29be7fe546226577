import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type SourceMetrics = ReturnType<typeof createSourceMetrics>;

export function createSourceMetrics(registry: Registry) {
  return {
    received: new Counter({ name: 'mqtt_source_messages_received_total', help: 'MQTT messages received', labelNames: ['qos'], registers: [registry] }),
    readings: new Counter({ name: 'mqtt_source_readings_produced_total', help: 'Measurement records Kafka acknowledged', registers: [registry] }),
    deadLettered: new Counter({ name: 'mqtt_source_dead_lettered_total', help: 'MQTT messages dead-lettered, by reason', labelNames: ['reason'], registers: [registry] }),
    inFlight: new Gauge({ name: 'mqtt_source_messages_in_flight', help: 'MQTT messages received and not yet acknowledged to the broker', registers: [registry] }),
    produceLatency: new Histogram({
      name: 'mqtt_source_produce_seconds',
      help: 'Duration of one Kafka send (one batch), retries included',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    batchRecords: new Histogram({ name: 'mqtt_source_batch_records', help: 'Records per Kafka send', buckets: [1, 5, 10, 50, 100, 500, 1000, 5000], registers: [registry] }),
    produceRetries: new Counter({ name: 'mqtt_source_produce_retries_total', help: 'Kafka sends retried after a failure', registers: [registry] }),
    connected: new Gauge({ name: 'mqtt_source_connections_up', help: 'MQTT connections currently connected', registers: [registry] }),
    stalled: new Gauge({ name: 'mqtt_source_subscription_stalled', help: '1 while the broker receives messages and the subscription delivers none', registers: [registry] }),
  };
}
