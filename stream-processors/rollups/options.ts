import { hostname } from 'node:os';
import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, registryConnectionOptions } from '../../lib/config';
import { duration, integer, list, sqlIdentifier } from '../../lib/option-types';
import { cascadeProblem, resolutionName } from '../../schemas/resolution';
import { defaultResolutions, ROLLUP_STATE_TOMBSTONE_RETENTION_MS, rollupsGroupIdPrefix, timescaleSinkGroupId, topicNames } from '../../schemas/topics';

/**
 * Options of the rollup processor: `ROLLUPS_<OPTION>` in the environment,
 * plus the connection variables.
 */
export const rollupsOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  resolutions: list(resolutionName, 1)
    .refine((resolutions) => cascadeProblem(resolutions) === undefined, { error: (issue) => cascadeProblem(issue.input as string[]) })
    .prefault([...defaultResolutions])
    .meta({ description: 'Resolutions, finest first, each a whole multiple of the one before.' }),
  measurementsTopic: z.string().default(topicNames.measurements).meta({ description: 'Topic of the raw readings.' }),
  rollupTopicTemplate: z.string().includes('{resolution}').default('fleet.rollups.{resolution}.v1').meta({ description: 'Rollup topic of each resolution; `{resolution}` is replaced.' }),
  deadLetterTopic: z.string().default(topicNames.deadLetter).meta({ description: 'Topic of rejected readings, with the reason.' }),
  databaseSchema: sqlIdentifier.default('public').meta({ description: 'PostgreSQL schema of the raw readings the timescale-sink stores (its `TIMESCALE_SINK_SCHEMA`): corrections are computed from them.' }),
  rawStoreGroup: z.string().min(1).default(timescaleSinkGroupId).meta({
    description: "The timescale-sink's consumer group (its `TIMESCALE_SINK_GROUP_ID`): a correction waits until it has stored every reading consumed before it.",
  }),
  correctionHorizon: duration({ min: 60_000 }).prefault('7d').meta({
    description:
      "How old a reading may be (by the wall clock) and still enter the rollups: a reading for a window already closed is corrected (from the stored raw readings) up to this age; an older one is stored raw only, dead-lettered as `too_old` and counted. Longer than the raw readings' retention (TimescaleDB's policy on the measurements) is refused at start. A series with nothing in this horizon leaves memory.",
  }),
  groupIdPrefix: z.string().min(1).default(rollupsGroupIdPrefix).meta({ description: 'Consumer groups are `<prefix>-<resolution>` and `<prefix>-corrections`; state changelogs `<prefix>.<resolution>.state`, invalidations `<prefix>.invalidations`.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: 'Distinguishes instances (their transactional ids): keep it stable per instance.' }),
  allowedLateness: duration().prefault('60s').meta({
    description: "How far behind its own series' newest reading a reading may be and still count; each series' windows close once its newest reading passed their end by this.",
  }),
  idleTimeout: duration().prefault('30s').meta({
    description:
      "A series with no input this long has its open windows closed as the clock passes their end plus the allowed lateness. The clock is the stage's input's (when the records it reads reached Kafka): a stage behind its input does not take a busy series for an idle one.",
  }),
  provisionalInterval: duration({ min: 100 }).prefault('2s').meta({ description: 'How often provisional rollups of open windows are emitted.' }),
  commitInterval: duration({ min: 10 }).prefault('200ms').meta({
    description:
      'How often the rollups, window state and offsets of what was consumed since are committed, in one Kafka transaction per stage; rollups become visible then. Each commit also emits a share of the provisional rollups (this interval over the provisional interval of the series).',
  }),
  maxRecordsPerCommit: integer(1).default(20_000).meta({
    description:
      "Input records a stage's commit takes at most (give or take a batch). A stage goes on applying batches while its last commit's transaction is in flight; past this many, a batch waits for it and commits, so a lagging stage's transactions stay small enough to finish within the transaction timeout.",
  }),
  // shorter than the state topics keep tombstones, so a restore within it sees every delete of what it read
  restoreTimeout: duration({ min: 1, max: ROLLUP_STATE_TOMBSTONE_RETENTION_MS / 2 }).prefault('5m').meta({
    description:
      'How long a stage may take to read its window state back from its changelog (at start and when it is assigned partitions) before it fails, and the process exits 1, rather than hang. At most 30m: the changelog keeps the deletes (tombstones) of closed windows an hour, and a restore must read them within that.',
  }),
});

export type RollupsOptions = z.input<typeof rollupsOptionsSchema>;
