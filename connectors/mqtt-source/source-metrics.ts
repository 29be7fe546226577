import { Counter, Gauge, type Registry } from 'prom-client';
import { createProducerMetrics } from '../../source-kit/producer-metrics';

export type SourceMetrics = ReturnType<typeof createSourceMetrics>;

export function createSourceMetrics(registry: Registry) {
  return {
    ...createProducerMetrics(registry, 'mqtt_source'),
    received: new Counter({ name: 'mqtt_source_messages_received_total', help: 'MQTT messages received', labelNames: ['qos'], registers: [registry] }),
    readings: new Counter({ name: 'mqtt_source_readings_produced_total', help: 'Measurement records Kafka acknowledged', registers: [registry] }),
    deviceMessages: new Counter({ name: 'mqtt_source_device_messages_produced_total', help: 'DeviceMessage records Kafka acknowledged, by kind', labelNames: ['kind'], registers: [registry] }),
    inFlight: new Gauge({ name: 'mqtt_source_messages_in_flight', help: 'MQTT messages received and not yet acknowledged to the broker', registers: [registry] }),
    connected: new Gauge({ name: 'mqtt_source_connections_up', help: 'MQTT connections currently connected', registers: [registry] }),
    stalled: new Gauge({ name: 'mqtt_source_subscription_stalled', help: '1 while the broker receives messages and the subscription delivers none', registers: [registry] }),
  };
}
