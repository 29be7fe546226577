import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, flag, integer, list } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { resolutionName } from '../../schemas/resolution';
import { alertsGroupId, defaultResolutions, topicNames } from '../../schemas/topics';

/**
 * Options of the alerts processor: `ALERTS_<OPTION>` in the environment,
 * plus the connection variables and REGISTRY_DATABASE_SCHEMA (the rules are
 * in the registry's schema, where `fleetstream alerts apply` puts them).
 */
export const alertsOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: registryOptions.databaseUrl,
  databaseSchema: registryOptions.databaseSchema,
  measurementsTopic: z.string().min(1).default(topicNames.measurements).meta({ description: 'Topic of the raw readings, read by rules that read `raw`.' }),
  resolutions: list(resolutionName, 0)
    .prefault([...defaultResolutions])
    .meta({ description: 'Rollup resolutions whose topics are read, for rules that read a rollup field (`1m mean`); a rule of another resolution is left out, with a warning.' }),
  rollupTopicTemplate: z.string().includes('{resolution}').default('fleet.rollups.{resolution}.v1').meta({ description: 'Rollup topic of each resolution; `{resolution}` is replaced. Only final rollups are evaluated.' }),
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: 'Topic of the alert events (AlertEvent), every transition of every (rule, series).' }),
  stateTopic: z.string().min(1).optional().meta({ defaultText: '`<groupId>.state`', description: 'Compacted changelog of the state of each (rule, series), partition for partition with the inputs: read back when partitions are assigned.' }),
  deadLetterTopic: z.string().min(1).default(topicNames.deadLetter).meta({ description: 'Topic of input records that do not decode, with the reason.' }),
  groupId: z.string().min(1).default(alertsGroupId).meta({ description: 'Consumer group; transactional ids are `<groupId>-<instanceId>`.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Distinguishes instances (their transactional ids): keep it stable per instance, so that a restarted one fences its predecessor.' }),
  rulesRefreshInterval: duration({ min: 1000 }).prefault('30s').meta({ description: 'How often the rules are read again from PostgreSQL (`fleetstream alerts apply` changes them there).' }),
  noDataCheckInterval: duration({ min: 1000 }).prefault('30s').meta({ description: "How often series are checked against their rule's noData by the wall clock: a series whose newest reading is older than `noData.after` opens a no_data alert." }),
  restoreTimeout: duration({ min: 1 }).prefault('5m').meta({
    description: 'How long reading the state of assigned partitions back from the state topic may take before the processor fails, and the process exits 1, rather than hang.',
  }),
  history: flag.default(true).meta({ description: 'Keep every alert event in PostgreSQL (`alert_events`, in the registry\'s schema), written by the consumer group `<groupId>-history`.' }),
  poolSize: integer(1, 20).default(2).meta({ description: 'PostgreSQL connections (reading the rules, writing the history).' }),
});

export type AlertsOptions = z.input<typeof alertsOptionsSchema>;
export type ParsedAlertsOptions = z.output<typeof alertsOptionsSchema>;
