import { idleFetchWaitMs } from '../../lib/kafka';
import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, mqttConnectionOptions, parseOptions, registryConnectionOptions } from '../../lib/config';
import { mqttCredentialOptions } from '../../lib/mqtt-security';
import { integer, parsedText } from '../../lib/option-types';
import { defaultDeviceTopicRoot, parseDeviceTopicRoot } from '../../schemas/device-topics';
import { topicNames } from '../../schemas/topics';
import { consumerLoopOptions } from '../../sink-kit/sink-options';

/**
 * Options of the MQTT downlink: `MQTT_DOWNLINK_<OPTION>` in the environment,
 * plus the connection variables (its broker account: MQTT_USERNAME, MQTT_PASSWORD).
 */
export const mqttDownlinkOptionsSchema = z.strictObject({
  ...mqttConnectionOptions,
  ...mqttCredentialOptions,
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  downlinkTopic: z.string().min(1).default(topicNames.downlink).meta({ description: 'Topic of the DownlinkMessage records to publish (key = <tenant>/<site>/<device>).' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Where records that cannot be decoded or published go, with the reason.' }),
  deviceTopicRoot: parsedText(parseDeviceTopicRoot).default(defaultDeviceTopicRoot).meta({ description: "A device's topic root `{base}`: a message goes to `{base}/<subtopic>` (schemas/device-topics.ts)." }),
  // a command waits on this consumer: fetch as soon as one record is there
  ...consumerLoopOptions({ groupId: 'fleetstream-mqtt-downlink', fetchMinBytes: 1, fetchMaxWaitMs: idleFetchWaitMs }),
  partitionsConsumedConcurrently: integer(1, 64).default(6).meta({
    description: "Partitions published in parallel; a partition's batch goes out whole (one device's messages one after another) before its next. The topic's partitions (6), so none waits for another.",
  }),
  clientIdPrefix: z.string().min(1).default(`fleetstream-mqtt-downlink-${hostname()}`).meta({
    defaultText: 'fleetstream-mqtt-downlink-<host name>',
    description: 'Prefix of the MQTT client ids (`<prefix>-<n>`); unique per instance, or instances take over each other\'s connections.',
  }),
  connections: integer(1, 64).default(4).meta({ description: 'MQTT connections; each device is published on always the same one, so its messages keep their order.' }),
  maxInFlight: integer(1, 65_535).default(1000).meta({ description: 'Publications waiting for their PUBACK at once, over all connections (one a device at a time).' }),
  // Mosquitto drops a client whose packet is over max_packet_size (1 MiB in the stack): dead-letter before that
  maxPayloadBytes: integer(0).default(262_144).meta({ description: 'Larger payloads are dead-lettered (payload_too_large).' }),
});

export type MqttDownlinkOptions = z.input<typeof mqttDownlinkOptionsSchema>;
export type ResolvedMqttDownlinkOptions = z.output<typeof mqttDownlinkOptionsSchema>;

export function parseMqttDownlinkOptions(input: unknown): ResolvedMqttDownlinkOptions {
  return parseOptions(mqttDownlinkOptionsSchema, input, 'mqtt-downlink options');
}
