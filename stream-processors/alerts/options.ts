import { hostname } from 'node:os';
import { z } from 'zod';
import { kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, flag, integer, list, sqlIdentifier } from '../../lib/option-types';
import { registryOptions } from '../../registry';
import { resolutionName } from '../../schemas/resolution';
import { alertsGroupId, defaultResolutions, rollupsGroupIdPrefix, topicNames } from '../../schemas/topics';

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
  seriesSchema: sqlIdentifier.default('public').meta({
    description:
      "PostgreSQL schema of the timescale-sink's `series` table (its TIMESCALE_SINK_SCHEMA): the series of devices in the registry are checked for no data even when the processor has not seen them since it started; a disabled or revoked device's are not.",
  }),
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
  noDataCheckInterval: duration({ min: 1000 }).prefault('15s').meta({ description: "How often series are checked against their rule's noData: a series whose newest reading is older than `noData.after`, by its input's clock (the wall time through which the pipeline behind the input has read everything), opens a no_data alert." }),
  pipelineStaleAfter: duration({ min: 2000 }).prefault('2m').meta({
    description:
      "A lag of the pipeline behind a rule input (this processor, and for rollups the rollups stages) from which a `_pipeline-stale` alert fires, one per tenant with a no-data rule on the input; meanwhile the input's no-data clock stands still. At least (rollups stages behind the slowest input + 2) times ALERTS_NO_DATA_CHECK_INTERVAL (5 with the default resolutions): the clock moves a check at a time and trails a healthy pipeline by a check per stage.",
  }),
  rollupsResolutions: list(resolutionName, 1)
    .prefault([...defaultResolutions])
    .meta({ description: "The rollups processor's resolutions in its order (its ROLLUPS_RESOLUTIONS): which stage computes a resolution, from which topic, for the rollup inputs' clocks." }),
  rollupsGroupIdPrefix: z.string().min(1).default(rollupsGroupIdPrefix).meta({ description: "The rollups processor's group id prefix (its ROLLUPS_GROUP_ID_PREFIX): its stages' progress is part of the rollup inputs' clocks." }),
  restoreTimeout: duration({ min: 1 }).prefault('5m').meta({
    description: 'How long reading the state of assigned partitions back from the state topic may take before the processor fails, and the process exits 1, rather than hang.',
  }),
  history: flag.default(true).meta({ description: 'Keep every alert event in PostgreSQL (`alert_events`, in the registry\'s schema), written by the consumer group `<groupId>-history`.' }),
  poolSize: integer(1, 20).default(2).meta({ description: 'PostgreSQL connections (reading the rules, writing the history).' }),
})
  .refine((o) => o.pipelineStaleAfter >= checksBehind(o) * o.noDataCheckInterval, {
    path: ['pipelineStaleAfter'],
    error: (issue) => {
      const o = issue.input as ClockOptions;
      return `must be at least ${checksBehind(o)} times ALERTS_NO_DATA_CHECK_INTERVAL: an input's clock moves one check at a time and trails by a check per rollups stage behind it, so a shorter one fires while the pipeline is healthy`;
    },
  })
  .refine((o) => o.resolutions.every((r) => o.rollupsResolutions.includes(r)), { path: ['rollupsResolutions'], message: 'must hold every resolution of ALERTS_RESOLUTIONS: the clock of a rollup input follows the stage that computes it' });

/** How many checks the clock of the slowest input trails a healthy pipeline by, with one to spare: one for this processor, one per rollups stage down to the raw readings. */
interface ClockOptions {
  resolutions: readonly string[];
  rollupsResolutions: readonly string[];
}

function checksBehind(o: ClockOptions): number {
  const stages = Math.max(0, ...o.resolutions.map((r) => o.rollupsResolutions.indexOf(r) + 1));
  return stages + 2;
}

export type AlertsOptions = z.input<typeof alertsOptionsSchema>;
export type ParsedAlertsOptions = z.output<typeof alertsOptionsSchema>;
