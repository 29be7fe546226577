import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, flag, integer, list, sqlIdentifier } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { resolutionName } from '../../schemas/resolution';
import { defaultResolutions, topicNames } from '../../schemas/topics';

/** The automations processor's default consumer group, and the prefix of its state changelog. */
export const automationsGroupId = 'fleetstream-automations';

/**
 * Options of the automations processor: `AUTOMATIONS_<OPTION>` in the
 * environment, plus the connection variables and REGISTRY_DATABASE_SCHEMA
 * (the automations are in the registry's schema, where `fleetstream
 * automations apply` puts them).
 */
export const automationsOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: registryOptions.databaseUrl,
  databaseSchema: registryOptions.databaseSchema,
  dataSchema: sqlIdentifier.default('public').meta({ description: 'PostgreSQL schema of the readings (`measurements`, as the timescale-sink writes them): conditions that compare the latest value of a series read it there.' }),
  measurementsTopic: z.string().min(1).default(topicNames.measurements).meta({ description: 'Topic of the raw readings, for `readings` triggers.' }),
  resolutions: list(resolutionName, 0).prefault([...defaultResolutions]).meta({ description: 'Rollup resolutions whose topics are read, for `rollups` triggers (final rollups only).' }),
  rollupTopicTemplate: z.string().includes('{resolution}').default('fleet.rollups.{resolution}.v1').meta({ description: 'Rollup topic of each resolution; `{resolution}` is replaced.' }),
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: 'Topic of the alert events, for `alerts` triggers.' }),
  commandStatusTopic: z.string().min(1).default(topicNames.commandStatus).meta({ description: "Topic of the commands' statuses, for `command_answers` triggers (a command's final status)." }),
  deviceMessagesTopic: z.string().min(1).default(topicNames.deviceMessages).meta({ description: "Topic of the devices' messages, for `presence` triggers (a device's `status`, online or offline)." }),
  handlerRequestsTopic: z.string().min(1).default(topicNames.handlerRequests).meta({ description: 'Topic the handler requests go to (HandlerRequest, key = execution id), for the handler workers.' }),
  stateTopic: z.string().min(1).optional().meta({ defaultText: '`<groupId>.state`', description: 'Compacted changelog of the dampening of event automations per (automation, series or device), partition for partition with the inputs; created when missing.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of input records that do not decode, with the reason.' }),
  groupId: z.string().min(1).default(automationsGroupId).meta({ description: 'Consumer group of the event automations; transactional ids are `<groupId>-<instanceId>`; the run history is written by `<groupId>-history`.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Distinguishes instances (their transactional ids): keep it stable per instance, so that a restarted one fences its predecessor.' }),
  events: flag.default(true).meta({ description: 'Run the event automations (the Kafka consumer). False: this instance only schedules.' }),
  scheduler: flag.default(true).meta({ description: 'Take part in the election of the scheduler leader (a PostgreSQL advisory lock): the leader fires the schedule automations.' }),
  schedulerTick: duration({ min: 50, max: 10_000 }).prefault('250ms').meta({ description: "How often the scheduler leader looks for due slots: a slot fires at most this late." }),
  leaderPollInterval: duration({ min: 100 }).prefault('2s').meta({ description: 'How often a standby tries to take the scheduler lock, and the leader checks its lock session: a dead leader is replaced within about this.' }),
  missedAfter: duration({ min: 1000 }).prefault('10s').meta({ description: 'A slot found more than this late (downtime, a leader change) counts as missed and follows its missed-run policy; a later one fires as usual.' }),
  missedLookback: duration({ min: 60_000 }).prefault('24h').meta({ description: 'How far back missed slots are looked for after a downtime (older ones are skipped, whatever the policy): bounds the search at a leader start.' }),
  automationsRefreshInterval: duration({ min: 1000 }).prefault('30s').meta({ description: 'How often the automations are read again from PostgreSQL (`fleetstream automations apply` and the admin API change them there).' }),
  restoreTimeout: duration({ min: 1 }).prefault('5m').meta({ description: 'How long reading the dampening states of assigned partitions back may take before the processor fails, and the process exits 1.' }),
  history: flag.default(true).meta({ description: 'Record the runs of event automations in PostgreSQL (`automation_runs`) from the handler requests topic, by the consumer group `<groupId>-history`; schedule runs are recorded before they fire, always.' }),
  poolSize: integer(1, 20).default(3).meta({ description: 'PostgreSQL connections (automations, runs, latest values), besides the scheduler lock\'s own.' }),
});

export type AutomationsOptions = z.input<typeof automationsOptionsSchema>;
export type ParsedAutomationsOptions = z.output<typeof automationsOptionsSchema>;
