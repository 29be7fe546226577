import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createProducerMetrics } from '../../source-kit/producer-metrics';

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

/** What the HTTP source reports on /metrics; `unacknowledged` is read when scraped. */
export function createIngestMetrics(registry: Registry, unacknowledged: () => number) {
  return {
    ...createProducerMetrics(registry, 'http_source'),
    requests: new Counter({
      name: 'http_source_requests_total',
      help: 'Ingest requests by outcome: accepted, or the error code answered (DEVICE_RATE_LIMITED, INGEST_OVERLOADED, UNAUTHENTICATED, ...)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    readings: new Counter({ name: 'http_source_readings_produced_total', help: 'Measurement records Kafka acknowledged', registers: [registry] }),
    mailboxErrors: new Counter({ name: 'http_source_mailbox_errors_total', help: 'Device mailbox reads that failed (Redis): the device was answered with nothing pending', registers: [registry] }),
    inFlight: new Gauge({ name: 'http_source_requests_in_flight', help: 'Ingest requests admitted and not yet answered', registers: [registry] }),
    unacknowledged: new Gauge({
      name: 'http_source_unacknowledged_records',
      help: 'Records waiting for Kafka to acknowledge them',
      registers: [registry],
      collect() {
        this.set(unacknowledged());
      },
    }),
    requestSeconds: new Histogram({
      name: 'http_source_request_seconds',
      help: 'Time from request to answer, by HTTP status',
      labelNames: ['status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
  };
}
