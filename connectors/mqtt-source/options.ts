import { hostname } from 'node:os';
import { z } from 'zod';
import { maxRecordBatchBytes } from '../../lib/kafka';
import { topicNames } from '../../schemas/topics';
import { parameterKinds, type ParameterKind } from '../../schemas/types';

/**
 * Options of the MQTT source connector. From the environment: the connection
 * variables, plus `MQTT_SOURCE_<OPTION>` for each option below
 * (`MQTT_SOURCE_BATCH_MAX_RECORDS=500`).
 */
export const mqttSourceOptionsSchema = z.strictObject({
  mqttUrl: z.string(),
  kafkaBrokers: z.array(z.string()).min(1),
  schemaRegistryUrl: z.string(),
  /** Topics devices publish on. Default `fleet/{tenant}/{site}/{device}/up`. */
  topicScheme: z.string().default('fleet/{tenant}/{site}/{device}/up'),
  /** MQTT subscription filter. Default: the scheme with `+` for each placeholder. */
  subscription: z.string().optional(),
  /** MQTT 5 shared-subscription group: instances in one group split the load. Default `fleetstream`. */
  shareGroup: z.string().regex(/^[^/+#]+$/).default('fleetstream'),
  /**
   * Prefix of the MQTT client ids (`<prefix>-<n>`); the broker keeps each id's
   * session, so keep it stable per instance (a StatefulSet pod name). Default: the host name.
   */
  clientIdPrefix: z.string().min(1).default(`fleetstream-mqtt-source-${hostname()}`),
  /**
   * MQTT connections in the share group (the broker hands each message to one of them, and
   * queues for each session apart: a Mosquitto with its default max_queued_messages holds 1000
   * per session while the connector cannot take more). Default 32.
   */
  connections: z.coerce.number().int().min(1).max(1024).default(32),
  /**
   * Messages a connection holds un-acknowledged until Kafka has them (its MQTT 5
   * receive maximum; the broker may allow fewer: Mosquitto's max_inflight_messages,
   * default 20). Times `connections`, the cap on messages in flight. Default 200.
   */
  inFlightPerConnection: z.coerce.number().int().min(1).max(65_535).default(200),
  /** How long the broker keeps the session (and queues messages) while disconnected. Default one day. */
  sessionExpirySeconds: z.coerce.number().int().min(0).default(86_400),
  measurementsTopic: z.string().default(topicNames.measurements),
  deadLetterTopic: z.string().default(topicNames.deadLetter),
  /** JSON series catalogue giving kinds and units to series whose payload does not. Default: none. */
  catalogueFile: z.string().optional(),
  /** Kind of a series neither its payload nor the catalogue names. Default `non_additive`. */
  defaultKind: z.enum(parameterKinds as [ParameterKind, ...ParameterKind[]]).default('non_additive'),
  /** Larger payloads are dead-lettered. Default 65536 bytes. */
  maxPayloadBytes: z.coerce.number().int().min(64).default(65_536),
  /** Readings this far ahead of the receive time are dead-lettered. Default 5 minutes. */
  maxFutureMinutes: z.coerce.number().min(0).default(5),
  /** Readings before this time are dead-lettered. Default 2000-01-01T00:00:00Z. */
  minTimestamp: z.string().default('2000-01-01T00:00:00Z').transform((text, ctx) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time' });
    return ms;
  }),
  /**
   * A Kafka send goes out at this many records... Default 5000. One send is in flight at a time
   * (the idempotent producer), so under load larger sends carry more: in bench/mqtt-source.bench.ts
   * 1000 took about 64,000 readings/s, 5000 took 72,000 to 76,000.
   */
  batchMaxRecords: z.coerce.number().int().min(1).default(5000),
  /**
   * ...or at this many bytes of keys, values and headers. Default 900000: each partition's batch
   * must stay under the broker's message.max.bytes (1 MiB by default), or Kafka refuses it for good.
   */
  batchMaxBytes: z.coerce.number().int().min(1).default(maxRecordBatchBytes),
  /** ...or this long after its first record. Default 5 ms. */
  batchMaxWaitMs: z.coerce.number().int().min(0).default(5),
  /**
   * Kafka compression. Default none: the connector is CPU-bound and runs next to Kafka; gzip
   * (the codec kafkajs ships) cost it a sixth of its throughput (bench/mqtt-source.bench.ts)
   * but shrinks records about fourfold, worth it over a slow or metered link.
   */
  compression: z.enum(['none', 'gzip']).default('none'),
  /** Window of the stalled-subscription check against the broker's $SYS counters. Default 60 s. */
  stallWindowSeconds: z.coerce.number().int().min(1).default(60),
  /** Broker-wide messages received within the window before silence counts as a stall. Default 100. */
  stallMinBrokerMessages: z.coerce.number().int().min(1).default(100),
});

export type MqttSourceOptions = z.input<typeof mqttSourceOptionsSchema>;
export type ResolvedMqttSourceOptions = z.output<typeof mqttSourceOptionsSchema>;
