import { Counter, Gauge, Histogram } from 'prom-client';
import { createMetricsRegistry } from '../../lib/metrics';
import { createConsumerLoopMetrics } from '../../sink-kit/sink-metrics';

export type RepublisherMetrics = ReturnType<typeof createRepublisherMetrics>;

/** What the MQTT republisher reports on /metrics (`mqtt_republisher_*`, and the consumer loop's). */
export function createRepublisherMetrics() {
  const registry = createMetricsRegistry('mqtt-republisher');
  const registers = [registry];
  return {
    registry,
    ...createConsumerLoopMetrics(registry, 'mqtt_republisher'),
    published: new Counter({ name: 'mqtt_republisher_published_total', help: 'Messages acknowledged by a broker (PUBACK), by kind (rollup, alert) and target (broker, bridge); restores not included', labelNames: ['kind', 'target'], registers }),
    publishSeconds: new Histogram({
      name: 'mqtt_republisher_publish_seconds',
      help: 'From handing a message to a broker\'s connection to its PUBACK, waits for a free slot and outages included',
      labelNames: ['target'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers,
    }),
    stale: new Counter({ name: 'mqtt_republisher_stale_total', help: 'Messages not published because a newer one (window, revision or alert transition) was already claimed for their topic', labelNames: ['kind'], registers }),
    skipped: new Counter({ name: 'mqtt_republisher_skipped_total', help: 'Records that make no message, by reason (provisional)', labelNames: ['reason'], registers }),
    refused: new Counter({ name: 'mqtt_republisher_refused_total', help: 'Publications a broker refused (PUBACK reason code 0x80 or more: check the account\'s rules), by target', labelNames: ['target'], registers }),
    dropped: new Counter({ name: 'mqtt_republisher_bridge_dropped_total', help: 'Messages not delivered to the bridge broker because it was down (its restore sends the stored state again)', registers }),
    restored: new Counter({ name: 'mqtt_republisher_restored_total', help: 'Stored messages published again after a connection, by target', labelNames: ['target'], registers }),
    deadLettered: new Counter({ name: 'mqtt_republisher_dead_lettered_total', help: 'Records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers }),
    connected: new Gauge({ name: 'mqtt_republisher_connected', help: '1 while the connection to the target broker is up (broker, bridge)', labelNames: ['target'], registers }),
  };
}
