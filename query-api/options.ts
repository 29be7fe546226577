import { z } from 'zod';
import { hostname } from 'node:os';
import { connectionOptions, kafkaConnectionOptions, registryConnectionOptions } from '../lib/config';
import { decimal, duration, integer, list, sqlIdentifier } from '../lib/option-types';
import { registryOptions } from '../registry';
import { resolutionName } from '../schemas/resolution';
import { topicNames } from '../schemas/topics';
import { parseTokenList } from './tenant-scope';

const tokenSchema = z.object({ token: z.string().min(16), tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/) }).strict();

/**
 * Options of the query API: `QUERY_API_<OPTION>` in the environment, plus the
 * connection variables.
 */
export const queryApiOptionsSchema = z.strictObject({
  port: integer(0, 65_535).default(8080).meta({ description: 'HTTP port of the API; 0 picks a free one.' }),
  host: z.string().min(1).default('0.0.0.0').meta({ description: 'Interface to bind.' }),
  databaseUrl: connectionOptions.databaseUrl,
  redisUrl: connectionOptions.redisUrl,
  // device shadows (read from Kafka, changed through the shadow processor) and configuration assignments (produced on the first one)
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  configAssignmentsTopic: z.string().min(1).default(topicNames.configAssignments).meta({ description: 'Topic the configuration API writes each device\'s new desired configuration to (the configuration processor\'s `CONFIGURATION_ASSIGNMENTS_TOPIC`); Kafka is connected on the first assignment.' }),
  databaseSchema: sqlIdentifier.default('public').meta({ description: 'PostgreSQL schema holding `series`, `measurements`, `rollups_<resolution>` and `too_old_readings`.' }),
  keyPrefix: z.string().default('fleet:').meta({ description: 'Prefix of every Redis key and channel the sinks write.' }),
  tokens: z
    .union([z.string().transform((text) => parseTokenList(text)), z.array(tokenSchema)])
    .default([])
    .meta({ description: 'Static API tokens of the query routes, each scoped to one tenant: `token1:acme,token2:globex`; registry tokens (`fleetstream tokens create`) work as well. Default: none.', secret: true }),
  adminToken: z.string().min(16).optional().meta({ description: 'A static token that reads every tenant on the query routes, at least 16 characters; the admin API takes registry tokens only. Default: none.', secret: true }),
  // the registry's own variable (REGISTRY_DATABASE_SCHEMA), shared with the devices and tokens commands: one setting says where the registry is
  registrySchema: registryOptions.databaseSchema,
  tokenCacheTtl: duration({ min: 0, max: 60_000 }).prefault('5s').meta({ description: 'How long a registry token verification is reused; a token change drops them all at once, this bounds a revocation missed while the change listener reconnects. 0 verifies every request.' }),
  graphqlMaxDepth: integer(1, 100).default(8).meta({ description: 'Deepest field nesting a GraphQL query may have (fragments followed); deeper queries are refused before they run.' }),
  graphqlMaxCost: integer(1, 100_000_000).default(5000).meta({ description: 'Most objects a GraphQL query may ask for, counting a list as its `limit` argument (or 10 items); costlier queries are refused before they run.' }),
  resolutions: list(resolutionName).prefault(['1m', '1h', '1d']).meta({ description: 'Rollup resolutions with a `rollups_<name>` table, used by `resolution=auto`.' }),
  maxPoints: integer(1, 10_000_000).default(100_000).meta({ description: 'Most readings or buckets one answer may hold; more is a 400 TOO_MANY_POINTS.' }),
  maxSeries: integer(1, 1_000_000).default(10_000).meta({ description: 'Most series one query may touch.' }),
  statementTimeout: duration({ min: 100, max: 600_000 }).prefault('10s').meta({ description: 'PostgreSQL statement_timeout of every query.' }),
  poolSize: integer(1, 200).default(10).meta({ description: 'PostgreSQL connections.' }),
  liveHeartbeat: duration({ min: 100, max: 300_000 }).prefault('15s').meta({ description: 'Interval of the keep-alive comment on live streams.' }),
  maxLiveStreams: integer(1, 100_000).default(1000).meta({ description: 'Most open live streams; more get a 503.' }),
  alertsTopic: z.string().min(1).default(topicNames.alerts).meta({ description: "The alerts processor's events (its ALERTS_ALERTS_TOPIC): GET /v1/alerts/live streams them." }),
  shadowsTopic: z.string().min(1).default(topicNames.shadows).meta({ description: "The shadow processor's compacted topic of the shadows (its SHADOW_SHADOWS_TOPIC): GET reads it." }),
  shadowRequestsTopic: z.string().min(1).default(topicNames.shadowRequests).meta({ description: 'Where PATCH sends shadow changes for the shadow processor (its SHADOW_REQUESTS_TOPIC).' }),
  shadowResultsTopic: z.string().min(1).default(topicNames.shadowResults).meta({ description: "The shadow processor's answers (its SHADOW_RESULTS_TOPIC), read from their end by every replica." }),
  shadowTimeout: duration({ min: 100, max: 120_000 }).prefault('5s').meta({
    description: "How long a PATCH of a shadow waits for the shadow processor's answer (then 504), and a GET for this replica's view of the shadows to catch up (then 503).",
  }),
  commandsTopic: z.string().min(1).default(topicNames.commands).meta({ description: 'Topic the command requests are written to, for the commands processor.' }),
  commandStatusTopic: z.string().min(1).default(topicNames.commandStatus).meta({ description: 'Compacted topic of the commands\' statuses; every replica reads it whole.' }),
  commandMaxWait: duration({ min: 1000, max: 3_600_000 }).prefault('60s').meta({
    description: 'Longest a synchronous command call waits for the final answer (its timeoutMs, plus ttlSeconds when persistent, is waited for up to this); then 504, and the command goes on.',
  }),
  commandAcceptWait: duration({ min: 100, max: 60_000 }).prefault('5s').meta({ description: 'How long an asynchronous call (or a cancel) waits for the commands processor to take it before answering 202.' }),
  commandDeviceRate: decimal(0.001, 100_000).default(5).meta({ description: 'Commands per second a device may be sent, on average, per API replica; more get 429 with Retry-After.' }),
  commandDeviceBurst: integer(1, 100_000).default(10).meta({ description: 'Commands a device may be sent at once, per API replica.' }),
  commandCallerRate: decimal(0.001, 100_000).default(50).meta({ description: 'Commands per second one API token may send, on average, per API replica; more get 429 with Retry-After.' }),
  commandCallerBurst: integer(1, 100_000).default(100).meta({ description: 'Commands one API token may send at once, per API replica.' }),
  commandMaxInFlightPerDevice: integer(1, 100_000).default(20).meta({ description: 'Commands a device may have unfinished (queued, sent or acked, as every replica reads them); more get 429.' }),
  commandMaxInFlightPerCaller: integer(1, 1_000_000).default(200).meta({ description: 'Commands one API token may have unfinished; more get 429.' }),
  commandHistory: duration({ min: 60_000 }).prefault('24h').meta({ description: 'How long a finished command stays readable (GET /v1/commands/<id>); each replica holds the statuses of this long in memory.' }),
  instanceId: z.string().min(1).default(hostname()).meta({ defaultText: 'the host name', description: "Names this replica's Kafka clients and its reader of the command statuses." }),
  clock: z
    .custom<() => number>((value) => typeof value === 'function', 'must be a function returning epoch ms')
    .default(() => Date.now)
    .meta({ internal: true, description: 'The clock `now` is read from, in epoch ms (tests inject one).' }),
});

export type QueryApiOptionsInput = z.input<typeof queryApiOptionsSchema>;
export type QueryApiOptions = z.output<typeof queryApiOptionsSchema>;
