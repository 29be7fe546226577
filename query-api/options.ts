import { z } from 'zod';
import { connectionOptions } from '../lib/config';
import { duration, integer, list, sqlIdentifier } from '../lib/option-types';
import { resolutionName } from '../schemas/resolution';
import { parseTokenList } from './tenant-scope';


const tokenSchema = z.object({ token: z.string().min(16), tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/) }).strict();

/**
 * Options of the query API: `QUERY_API_<OPTION>` in the environment, plus the
 * connection variables.
 */
export const queryApiOptionsSchema = z
  .strictObject({
    port: integer(0, 65_535).default(8080).meta({ description: 'HTTP port of the API; 0 picks a free one.' }),
    host: z.string().min(1).default('0.0.0.0').meta({ description: 'Interface to bind.' }),
    databaseUrl: connectionOptions.databaseUrl,
    redisUrl: connectionOptions.redisUrl,
    databaseSchema: sqlIdentifier.default('public').meta({ description: 'PostgreSQL schema holding `series`, `measurements`, `rollups_<resolution>` and `too_old_readings`.' }),
    keyPrefix: z.string().default('fleet:').meta({ description: 'Prefix of every Redis key and channel the sinks write.' }),
    tokens: z
      .union([z.string().transform((text) => parseTokenList(text)), z.array(tokenSchema)])
      .default([])
      .meta({ description: 'API tokens, each scoped to one tenant: `token1:acme,token2:globex`. Default: none.', secret: true }),
    adminToken: z.string().min(16).optional().meta({ description: 'A token that reads every tenant, at least 16 characters. Default: none.', secret: true }),
    resolutions: list(resolutionName).prefault(['1m', '1h', '1d']).meta({ description: 'Rollup resolutions with a `rollups_<name>` table, used by `resolution=auto`.' }),
    maxPoints: integer(1, 10_000_000).default(100_000).meta({ description: 'Most readings or buckets one answer may hold; more is a 400 TOO_MANY_POINTS.' }),
    maxSeries: integer(1, 1_000_000).default(10_000).meta({ description: 'Most series one query may touch.' }),
    statementTimeout: duration({ min: 100, max: 600_000 }).prefault('10s').meta({ description: 'PostgreSQL statement_timeout of every query.' }),
    poolSize: integer(1, 200).default(10).meta({ description: 'PostgreSQL connections.' }),
    liveHeartbeat: duration({ min: 100, max: 300_000 }).prefault('15s').meta({ description: 'Interval of the keep-alive comment on live streams.' }),
    maxLiveStreams: integer(1, 100_000).default(1000).meta({ description: 'Most open live streams; more get a 503.' }),
    clock: z
      .custom<() => number>((value) => typeof value === 'function', 'must be a function returning epoch ms')
      .default(() => Date.now)
      .meta({ internal: true, description: 'The clock `now` is read from, in epoch ms (tests inject one).' }),
  })
  .refine((options) => options.tokens.length > 0 || options.adminToken !== undefined, {
    message: 'no API token configured: set QUERY_API_TOKENS="<token>:<tenant>,..." (and/or QUERY_API_ADMIN_TOKEN)',
    path: ['tokens'],
  });

export type QueryApiOptionsInput = z.input<typeof queryApiOptionsSchema>;
export type QueryApiOptions = z.output<typeof queryApiOptionsSchema>;
