import { Counter, Gauge, Histogram } from 'prom-client';
import { createMetricsRegistry } from '../../lib/metrics';
import { createConsumerLoopMetrics } from '../../sink-kit/sink-metrics';

export type DownlinkMetrics = ReturnType<typeof createDownlinkMetrics>;

export function createDownlinkMetrics() {
  const registry = createMetricsRegistry('mqtt-downlink');
  const registers = [registry];
  return {
    registry,
    ...createConsumerLoopMetrics(registry, 'mqtt_downlink'),
    published: new Counter({ name: 'mqtt_downlink_published_total', help: 'Messages published (QoS 1: acknowledged by the broker), by QoS and retain flag', labelNames: ['qos', 'retain'], registers }),
    expired: new Counter({ name: 'mqtt_downlink_expired_total', help: 'Messages not published because their expiresAt had passed', registers }),
    deadLettered: new Counter({ name: 'mqtt_downlink_dead_lettered_total', help: 'Records sent to the dead-letter topic, by reason', labelNames: ['reason'], registers }),
    publishSeconds: new Histogram({
      name: 'mqtt_downlink_publish_seconds',
      help: 'From handing a message to its connection to the PUBACK (QoS 1) or the write (QoS 0), broker outages included',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers,
    }),
    waiting: new Gauge({ name: 'mqtt_downlink_publications_waiting', help: 'Publications waiting for their connection to the broker', registers }),
    connected: new Gauge({ name: 'mqtt_downlink_connections_up', help: 'MQTT connections currently connected', registers }),
  };
}
