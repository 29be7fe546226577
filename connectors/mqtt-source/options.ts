import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, mqttConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { decimal, duration, integer, parsedText } from '../../lib/option-types';
import { mqttCredentialOptions } from '../../lib/mqtt-security';
import { deviceLimitOptions, producerOptions, readingTimeOptions, readingTopicOptions, tenantLimitOptions } from '../../source-kit/source-options';
import { defaultDeviceTopicRoot, parseDeviceTopicRoot } from '../../schemas/device-topics';
import { topicNames } from '../../schemas/topics';

/**
 * Options of the MQTT source connector: `MQTT_SOURCE_<OPTION>` in the
 * environment (`MQTT_SOURCE_BATCH_MAX_RECORDS=500`), plus the connection variables.
 */
export const mqttSourceOptionsSchema = z.strictObject({
  ...mqttConnectionOptions,
  ...mqttCredentialOptions,
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  topicScheme: z.string().default('fleet/{tenant}/{site}/{device}/up').meta({ description: 'Topics devices publish readings on.' }),
  deviceTopicRoot: parsedText(parseDeviceTopicRoot).default(defaultDeviceTopicRoot).meta({ description: "A device's topic root `{base}`: what devices publish besides readings (command answers, shadow requests, configuration acknowledgements, status) is taken from `{base}/<subtopic>` (schemas/device-topics.ts)." }),
  subscription: z.string().optional().meta({
    description: "MQTT subscription filter, alone in place of all: messages on it are told apart by their topic. Default: the topic scheme's, with `+` for each placeholder, and the device subtopics' under deviceTopicRoot.",
  }),
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
  deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({ description: 'Topic of the device messages (DeviceMessage records, key = <tenant>/<site>/<device>).' }),
  maxPayloadBytes: integer(64).default(65_536).meta({ description: 'Larger readings payloads are dead-lettered.' }),
  // a shadow document or a command's answer is larger than a reading; the broker's max_packet_size (1 MiB in the stack) bounds them all
  maxDeviceMessageBytes: integer(64).default(262_144).meta({ description: 'Larger device messages are dead-lettered (payload_too_large).' }),
  ...readingTimeOptions,
  // a gateway flushing its buffer after an outage sends thousands of messages at once (issue 14's burst: ~1,500 a device in 2-4 s)
  deviceRate: decimal(0.001).default(100).meta({ description: 'Messages per second each device may send on average, readings and device messages together; more are dead-lettered (rate_limited). Counted per connector process.' }),
  deviceBurst: integer(1).default(10_000).meta({ description: 'Messages a device may send at once above its rate, after a quiet spell (a buffer flushed after an outage).' }),
  ...deviceLimitOptions,
  ...tenantLimitOptions,
  ...producerOptions,
  stallWindow: duration({ min: 1000 }).prefault('60s').meta({ description: "Window of the stalled-subscription check against the broker's $SYS counters." }),
  stallMinBrokerMessages: integer(1).default(100).meta({ description: 'Broker-wide messages received within the window before silence counts as a stall.' }),
});

export type MqttSourceOptions = z.input<typeof mqttSourceOptionsSchema>;
export type ResolvedMqttSourceOptions = z.output<typeof mqttSourceOptionsSchema>;
