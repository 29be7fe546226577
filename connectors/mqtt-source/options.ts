import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, mqttConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { decimal, duration, integer } from '../../lib/option-types';
import { mqttCredentialOptions } from '../../lib/mqtt-security';
import { deviceLimitOptions, producerOptions, readingTimeOptions, readingTopicOptions } from '../../source-kit/source-options';

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
  ...readingTopicOptions,
  maxPayloadBytes: integer(64).default(65_536).meta({ description: 'Larger payloads are dead-lettered.' }),
  ...readingTimeOptions,
  // a gateway flushing its buffer after an outage sends thousands of messages at once (issue 14's burst: ~1,500 a device in 2-4 s)
  deviceRate: decimal(0.001).default(100).meta({ description: 'Messages per second each device may send on average; more are dead-lettered (rate_limited). Counted per connector process.' }),
  deviceBurst: integer(1).default(10_000).meta({ description: 'Messages a device may send at once above its rate, after a quiet spell (a buffer flushed after an outage).' }),
  ...deviceLimitOptions,
  ...producerOptions,
  stallWindow: duration({ min: 1000 }).prefault('60s').meta({ description: "Window of the stalled-subscription check against the broker's $SYS counters." }),
  stallMinBrokerMessages: integer(1).default(100).meta({ description: 'Broker-wide messages received within the window before silence counts as a stall.' }),
});

export type MqttSourceOptions = z.input<typeof mqttSourceOptionsSchema>;
export type ResolvedMqttSourceOptions = z.output<typeof mqttSourceOptionsSchema>;
