import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, mqttConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer } from '../../lib/option-types';
import { maxRecordBatchBytes } from '../../lib/kafka';
import { mqttCredentialOptions } from '../../lib/mqtt-security';
import { topicNames } from '../../schemas/topics';
import { parameterKinds, type ParameterKind } from '../../schemas/types';

/**
 * Options of the MQTT source connector: `MQTT_SOURCE_<OPTION>` in the
 * environment (`MQTT_SOURCE_BATCH_MAX_RECORDS=500`), plus the connection variables.
 */
export const mqttSourceOptionsSchema = z.strictObject({
  ...mqttConnectionOptions,
  ...mqttCredentialOptions,
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  topicScheme: z.string().default('fleet/{tenant}/{site}/{device}/up').meta({ description: 'Topics devices publish on.' }),
  subscription: z.string().optional().meta({ description: 'MQTT subscription filter. Default: the topic scheme with `+` for each placeholder.' }),
  shareGroup: z.string().regex(/^[^/+#]+$/).default('fleetstream').meta({ description: 'MQTT 5 shared-subscription group: instances in one group split the load.' }),
  clientIdPrefix: z.string().min(1).default(`fleetstream-mqtt-source-${hostname()}`).meta({
    defaultText: 'fleetstream-mqtt-source-<host name>',
    description: "Prefix of the MQTT client ids (`<prefix>-<n>`). The broker keeps each id's session, so keep it stable per instance (a StatefulSet pod name).",
  }),
  connections: integer(1, 1024).default(32).meta({
    description:
      'MQTT connections in the share group. The broker hands each message to one of them and queues for each session apart (Mosquitto holds max_queued_messages, 1000 by default, per session while the connector cannot take more).',
  }),
  inFlightPerConnection: integer(1, 65_535).default(200).meta({
    description:
      "Messages a connection holds unacknowledged until Kafka has them (its MQTT 5 receive maximum; the broker may allow fewer: Mosquitto's max_inflight_messages, default 20). Times `connections`, the cap on messages in flight.",
  }),
  sessionExpiry: duration().prefault('1d').meta({ description: 'How long the broker keeps the session (and queues messages) while the connector is away.' }),
  measurementsTopic: z.string().default(topicNames.measurements).meta({ description: 'Topic of the accepted readings.' }),
  deadLetterTopic: z.string().default(topicNames.deadLetter).meta({ description: 'Topic of rejected messages, with the reason.' }),
  catalogueFile: z.string().optional().meta({ description: 'JSON series catalogue giving kinds and units to series whose payload does not. Default: none.' }),
  defaultKind: z.enum(parameterKinds as [ParameterKind, ...ParameterKind[]]).default('non_additive').meta({ description: 'Kind of a series neither its payload nor the catalogue names.' }),
  maxPayloadBytes: integer(64).default(65_536).meta({ description: 'Larger payloads are dead-lettered.' }),
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
  stallWindow: duration({ min: 1000 }).prefault('60s').meta({ description: "Window of the stalled-subscription check against the broker's $SYS counters." }),
  stallMinBrokerMessages: integer(1).default(100).meta({ description: 'Broker-wide messages received within the window before silence counts as a stall.' }),
});

export type MqttSourceOptions = z.input<typeof mqttSourceOptionsSchema>;
export type ResolvedMqttSourceOptions = z.output<typeof mqttSourceOptionsSchema>;
