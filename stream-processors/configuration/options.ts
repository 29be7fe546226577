import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { topicNames } from '../../schemas/topics';

/**
 * Options of the configuration processor: `CONFIGURATION_<OPTION>` in the
 * environment, plus the connection variables and REGISTRY_DATABASE_SCHEMA.
 */
export const configurationOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  // the registry's own variable: the configuration tables live beside the devices they refer to
  databaseSchema: registryOptions.databaseSchema,
  assignmentsTopic: z.string().min(1).default(topicNames.configAssignments).meta({ description: "Topic of the devices' new desired configuration, which the API writes." }),
  deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({ description: "Topic of what devices publish besides readings: their acknowledgements (config/ack) and presence (status) are read, the rest ignored. As many partitions as the assignments' topic." }),
  downlinkTopic: z.string().min(1).default(topicNames.downlink).meta({ description: 'Topic of messages for devices: the retained `config` goes there, for the mqtt-downlink to publish.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of rejected records (undecodable, invalid acknowledgements, assignments of unknown documents), with the reason.' }),
  groupId: z.string().min(1).default('fleetstream-configuration').meta({ description: 'Consumer group; also the key of the offsets stored with the state in `config_consumed_offsets`.' }),
  redeliveryInitial: duration({ min: 100 }).prefault('30s').meta({ description: 'How long after a publication an unanswered configuration is published again; each next time waits twice as long.' }),
  redeliveryMax: duration({ min: 100 }).prefault('15m').meta({ description: 'The longest wait between two publications of an unanswered configuration.' }),
  scanInterval: duration({ min: 10, max: 60_000 }).prefault('1s').meta({ description: 'How often due re-deliveries and passed deadlines are looked for (new assignments and devices coming online are published at once).' }),
  deliveryBatchSize: integer(1, 10_000).default(500).meta({ description: 'Most devices one delivery round publishes, in one PostgreSQL transaction.' }),
  partitionsConsumedConcurrently: integer(1, 64).default(2).meta({ description: 'Partitions whose batches are applied at the same time.' }),
  poolSize: integer(2, 100).default(4).meta({ description: 'PostgreSQL connections.' }),
});

export type ConfigurationOptions = z.input<typeof configurationOptionsSchema>;
export type ParsedConfigurationOptions = z.output<typeof configurationOptionsSchema>;
