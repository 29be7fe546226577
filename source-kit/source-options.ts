import { z } from 'zod';
import { decimal, duration, integer } from '../lib/option-types';
import { KeyedRateLimit } from '../lib/keyed-rate-limit';
import { maxRecordBatchBytes } from '../lib/kafka';
import { topicNames } from '../schemas/topics';
import { parameterKinds, type ParameterKind } from '../schemas/types';
import type { MeasurementLimits } from './measurement-builder';

/**
 * The options every source connector has, spread into each one's own schema
 * (in groups, so that each keeps its options in the order its docs show them).
 */

/** Where readings and rejections go, and what a series' kind is when nothing says. */
export const readingTopicOptions = {
  measurementsTopic: z.string().default(topicNames.measurements).meta({ description: 'Topic of the accepted readings.' }),
  deadLetterTopic: z.string().default(topicNames.deadLetter).meta({ description: 'Topic of rejected messages, with the reason.' }),
  catalogueFile: z.string().optional().meta({ description: 'JSON series catalogue giving kinds and units to series whose payload does not. Default: none.' }),
  defaultKind: z.enum(parameterKinds as [ParameterKind, ...ParameterKind[]]).default('non_additive').meta({ description: 'Kind of a series neither its payload nor the catalogue names.' }),
};

/** How much one device may send. */
export const deviceLimitOptions = {
  maxSeriesPerDevice: integer(1).default(1000).meta({ description: 'Distinct metrics one device may report; a message that would add more is dead-lettered (series_limit). Counted per connector process.' }),
};

/** How much all devices of one tenant may send together: one tenant's fleet never takes a connector from the others. */
export const tenantLimitOptions = {
  tenantRate: decimal(0.001).optional().meta({
    description:
      "Messages per second all devices of one tenant may send together, on average; more are refused (dead-lettered as tenant_rate_limited at the MQTT source, 429 TENANT_RATE_LIMITED at the HTTP ingest), other tenants untouched. Counted per connector process. Default: no limit.",
  }),
  tenantBurst: integer(1).default(100_000).meta({ description: 'Messages one tenant may send at once above tenantRate, after a quiet spell.' }),
};

/** The per-tenant limit the options set, if any (a bucket per tenant). */
export function tenantRateLimit(options: { tenantRate?: number; tenantBurst: number }, clock?: () => number): KeyedRateLimit | undefined {
  return options.tenantRate === undefined ? undefined : new KeyedRateLimit({ rate: options.tenantRate, burst: options.tenantBurst, clock });
}

/** Which timestamps a reading may carry. */
export const readingTimeOptions = {
  maxFuture: duration().prefault('5m').meta({ description: 'Readings this far ahead of the receive time are dead-lettered.' }),
  minTimestamp: z
    .string()
    .transform((text, ctx) => {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time' });
      return ms;
    })
    .prefault('2000-01-01T00:00:00Z')
    .meta({ description: 'Readings before this time are dead-lettered.' }),
};

/** How records are batched into Kafka sends (reading-producer.ts). */
export const producerOptions = {
  // One send is in flight at a time (the idempotent producer), so under load larger sends carry more:
  // in bench/mqtt-source.bench.ts 1000 took about 64,000 readings/s, 5000 took 72,000 to 76,000.
  batchMaxRecords: integer(1).default(5000).meta({ description: 'A Kafka send goes out at this many records...' }),
  batchMaxBytes: integer(1).default(maxRecordBatchBytes).meta({
    description: "...or at this many bytes of keys, values and headers: each partition's batch must stay under the broker's message.max.bytes (1 MiB by default), or Kafka refuses it for good...",
  }),
  batchMaxWait: duration().prefault('5ms').meta({ description: '...or this long after its first record.' }),
  // gzip (the codec kafkajs ships) cost the connector a sixth of its throughput (bench/mqtt-source.bench.ts)
  compression: z.enum(['none', 'gzip']).default('none').meta({
    description: 'Kafka compression. The connector is CPU-bound and runs next to Kafka; gzip shrinks records about fourfold, worth it over a slow or metered link.',
  }),
};

/** The limits readings are held to, from the options above. */
export function measurementLimits(options: { maxFuture: number; minTimestamp: number; defaultKind: ParameterKind }): MeasurementLimits {
  return { maxFutureMs: options.maxFuture, minTimestamp: options.minTimestamp, defaultKind: options.defaultKind };
}
