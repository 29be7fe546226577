import { hostname } from 'node:os';
import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, mqttConnectionOptions, parseOptions, registryConnectionOptions } from '../../lib/config';
import { idleFetchWaitMs } from '../../lib/kafka';
import { mqttCredentialOptions } from '../../lib/mqtt-security';
import { flag, integer, keyValues, list } from '../../lib/option-types';
import { registryOptions } from '../../registry/options';
import { republishTopicRoot } from '../../schemas/republish-topics';
import { readResolution } from '../../schemas/resolution';
import { segmentProblem } from '../../schemas/series-path';
import { topicNames } from '../../schemas/topics';
import { consumerLoopOptions } from '../../sink-kit/sink-options';

const tenantName = z.string().refine((tenant) => segmentProblem('tenant', tenant) === undefined, 'must be a tenant name (a path segment)');
const topicRoot = z.string().regex(/^[^#+\s]+$/, 'must be an MQTT topic without wildcards or spaces').refine((root) => !root.startsWith('$') && !root.endsWith('/'), 'must not start with $ or end with /');

/**
 * Options of the MQTT republisher: `MQTT_REPUBLISHER_<OPTION>` in the
 * environment, plus the connection variables (its broker account:
 * MQTT_USERNAME, MQTT_PASSWORD) and REGISTRY_DATABASE_SCHEMA.
 */
export const mqttRepublisherOptionsSchema = z.strictObject({
  ...mqttConnectionOptions,
  ...mqttCredentialOptions,
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  // the registry's own variable: the claimed state lives beside the readers' accounts
  databaseSchema: registryOptions.databaseSchema,
  resolutions: list(z.string().refine((r) => typeof readResolution(r) !== 'string', 'must be a resolution such as 1m'), 0).prefault('1m,1h,1d').meta({
    description: 'Resolutions whose final rollups are republished, comma-separated; empty: none.',
  }),
  rollupTopics: keyValues(z.string().min(1)).default({}).meta({
    description: 'Rollup topic per resolution, as `1m=<topic>,1h=<topic>`; absent resolutions use `fleet.rollups.<resolution>.v1`. Default: none.',
  }),
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: 'Topic of the alert events (AlertEvent) whose states are republished; empty-handed when the alerts processor does not run.' }),
  republishAlerts: flag.default(true).meta({ description: 'Whether alert states are republished.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Where records that cannot be decoded or mapped to a topic go, with the reason.' }),
  // latest state for local HMIs: fetch as soon as a record is there
  ...consumerLoopOptions({ groupId: 'fleetstream-mqtt-republisher', fetchMinBytes: 1, fetchMaxWaitMs: idleFetchWaitMs }),
  clientId: z.string().min(1).default(`fleetstream-mqtt-republisher-${hostname()}`).meta({
    defaultText: 'fleetstream-mqtt-republisher-<host name>',
    description: 'MQTT client id on the platform\'s broker (`<clientId>-bridge` on the bridge\'s); unique per instance, or instances take over each other\'s connections.',
  }),
  maxInFlight: integer(1, 65_535).default(1000).meta({ description: 'Publications awaiting their PUBACK at once, per broker; past it the consumer waits (backpressure).' }),
  restoreOnConnect: flag.default(true).meta({
    description: 'At every connection to a broker, the first included, publish the stored state again (every topic\'s last claimed message): a broker restarted without its retained messages gets them back. Costs one message per stored topic.',
  }),
  restorePageSize: integer(1, 100_000).default(1000).meta({ description: 'Stored messages read per query during a restore.' }),
  bridgeUrl: z.string().regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL').optional().meta({
    description: 'An external MQTT broker that gets the same messages (retained, QoS 1); unset: no bridge. Its outages never hold back the platform\'s broker: it is given the stored state again when it is back.',
  }),
  bridgeUsername: z.string().min(1).optional().meta({ description: "The bridge broker's username; replaces the URL's." }),
  bridgePassword: z.string().min(1).optional().meta({ description: "The bridge broker's password; replaces the URL's.", secret: true }),
  bridgeCaFile: z.string().min(1).optional().meta({ description: "PEM CA certificates that signed the bridge broker's certificate (mqtts://). Default: the system's CAs." }),
  bridgeCertFile: z.string().min(1).optional().meta({ description: 'PEM client certificate for the bridge broker, with MQTT_REPUBLISHER_BRIDGE_KEY_FILE.' }),
  bridgeKeyFile: z.string().min(1).optional().meta({ description: 'PEM private key of the bridge client certificate.' }),
  bridgeTopicPrefix: topicRoot.default(republishTopicRoot).meta({ description: `What replaces the root \`${republishTopicRoot}\` of the topics on the bridge broker.` }),
  bridgeTenants: list(tenantName, 0).prefault('').meta({ description: 'Tenants whose messages go over the bridge, comma-separated; empty: every tenant.' }),
});

export type MqttRepublisherOptions = z.input<typeof mqttRepublisherOptionsSchema>;
export type ResolvedMqttRepublisherOptions = z.output<typeof mqttRepublisherOptionsSchema>;

export function parseMqttRepublisherOptions(input: unknown): ResolvedMqttRepublisherOptions {
  return parseOptions(mqttRepublisherOptionsSchema, input, 'mqtt-republisher options');
}
