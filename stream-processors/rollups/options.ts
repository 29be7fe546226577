import { hostname } from 'node:os';
import { z } from 'zod';
import { defaultResolutions, rollupsGroupIdPrefix, topicNames } from '../../schemas/topics';

const list = z.union([z.array(z.string()), z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))]);

/**
 * Options of the rollup processor. From the environment: the connection
 * variables, plus `ROLLUPS_<OPTION>` for each option below.
 */
export const rollupsOptionsSchema = z.strictObject({
  kafkaBrokers: z.array(z.string()).min(1),
  schemaRegistryUrl: z.string(),
  /** Resolutions, finest first, each a multiple of the one before. Default 1m,1h,1d. */
  resolutions: list.default([...defaultResolutions]),
  measurementsTopic: z.string().default(topicNames.measurements),
  /** Rollup topic of each resolution; `{resolution}` is replaced. Default `fleet.rollups.{resolution}.v1`. */
  rollupTopicTemplate: z.string().includes('{resolution}').default('fleet.rollups.{resolution}.v1'),
  deadLetterTopic: z.string().default(topicNames.deadLetter),
  /** Consumer groups are `<prefix>-<resolution>`; state changelogs `<prefix>.<resolution>.state`. Default `fleetstream-rollups`. */
  groupIdPrefix: z.string().min(1).default(rollupsGroupIdPrefix),
  /** Distinguishes instances (their transactional ids): keep it stable per instance. Default: the host name. */
  instanceId: z.string().min(1).default(hostname()),
  /** How late (event time behind the newest seen) a reading may be and still count. Default 60 s. */
  allowedLatenessSeconds: z.coerce.number().min(0).default(60),
  /** A partition with no input this long lets its watermark follow the wall clock. Default 30 s. */
  idleTimeoutSeconds: z.coerce.number().min(0).default(30),
  /** How often provisional rollups of open windows are emitted. Default 2 s. */
  provisionalIntervalSeconds: z.coerce.number().min(0.1).default(2),
  /**
   * How often the rollups, window state and offsets of what was consumed since are committed, in one Kafka
   * transaction per stage; rollups become visible then. Each commit also emits a share of the provisional
   * rollups (interval / provisional interval of the series). Default 0.2 s.
   */
  commitIntervalSeconds: z.coerce.number().min(0.01).default(0.2),
  /**
   * How long a stage may take to read its window state back from its changelog (at start and when it is
   * assigned partitions) before it fails, and the process exits 1, rather than hang. Default 300 s.
   */
  restoreTimeoutSeconds: z.coerce.number().positive().default(300),
});

export type RollupsOptions = z.input<typeof rollupsOptionsSchema>;
