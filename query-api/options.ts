import { z } from 'zod';
import { resolutionDuration } from './auto-resolution';
import { parseTokenList } from './tenant-scope';

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const tokenSchema = z.object({ token: z.string().min(16), tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/) }).strict();

/**
 * Options of `start(options)`. The CLI fills them from QUERY_API_* variables
 * (QUERY_API_PORT -> port, QUERY_API_MAX_POINTS -> maxPoints, ...), so numbers
 * and lists also accept their text form.
 */
export const queryApiOptionsSchema = z
  .object({
    /** HTTP port of the API; 0 picks a free one. Default 8080 (QUERY_API_PORT). */
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Interface to bind. Default 0.0.0.0. */
    host: z.string().min(1).default('0.0.0.0'),
    /** PostgreSQL connection string (DATABASE_URL). Required. */
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://'),
    /** Redis connection string (REDIS_URL). Required. */
    redisUrl: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    /** PostgreSQL schema holding `series`, `measurements` and `rollups_<resolution>`. Default `public`. */
    databaseSchema: z.string().regex(identifier, 'must be a plain SQL identifier').default('public'),
    /** Prefix of every Redis key and channel the sinks write. Default `fleet:`. */
    keyPrefix: z.string().default('fleet:'),
    /**
     * API tokens, each scoped to one tenant: `token1:acme,token2:globex` (QUERY_API_TOKENS)
     * or a list of { token, tenant }. Default none.
     */
    tokens: z.union([z.string().transform((text) => parseTokenList(text)), z.array(tokenSchema)]).default([]),
    /** A token that reads every tenant (QUERY_API_ADMIN_TOKEN), at least 16 characters. Default none. */
    adminToken: z.string().min(16).optional(),
    /** Rollup resolutions with a `rollups_<name>` table, used by `resolution=auto`. Default 1m, 1h, 1d. */
    resolutions: z
      .preprocess(
        (value) => (typeof value === 'string' ? value.split(',').map((name) => name.trim()).filter(Boolean) : value),
        z.array(z.string().refine((name) => resolutionDuration(name) !== undefined, 'must be a whole number and a unit: 1m, 15m, 1h, 1d')),
      )
      .default(['1m', '1h', '1d']),
    /** Most readings or buckets one answer may hold; more is a 400 TOO_MANY_POINTS. Default 100000. */
    maxPoints: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    /** Most series one query may touch. Default 10000. */
    maxSeries: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /** PostgreSQL statement_timeout of every query, in ms. Default 10000. */
    statementTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** PostgreSQL connections. Default 10. */
    poolSize: z.coerce.number().int().min(1).max(200).default(10),
    /** Interval of the keep-alive comment on live streams, in ms. Default 15000. */
    liveHeartbeatMs: z.coerce.number().int().min(100).max(300_000).default(15_000),
    /** Most open live streams; more get a 503. Default 1000. */
    maxLiveStreams: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** The clock `now` is read from, in epoch ms. Default Date.now. */
    clock: z.custom<() => number>((value) => typeof value === 'function', 'must be a function returning epoch ms').default(() => Date.now),
  })
  .strict()
  .refine((options) => options.tokens.length > 0 || options.adminToken !== undefined, {
    message: 'no API token configured: set QUERY_API_TOKENS="<token>:<tenant>,..." (and/or QUERY_API_ADMIN_TOKEN)',
    path: ['tokens'],
  });

export type QueryApiOptionsInput = z.input<typeof queryApiOptionsSchema>;
export type QueryApiOptions = z.output<typeof queryApiOptionsSchema>;
