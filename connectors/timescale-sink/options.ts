import { z } from 'zod';
import { parseOptions } from '../../lib/config';
import { defaultResolutions } from '../../schemas/topics';
import { sinkConsumerOptions } from '../sink-kit/sink-options';
import { resolutionPattern } from './resolution';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)');
/** A PostgreSQL interval literal such as `7 days` or `2 years`. */
const interval = z.string().regex(/^[1-9][0-9]* (second|minute|hour|day|week|month|year)s?$/, "must be an interval such as '7 days'");

const timescaleSchema = z
  .object({
    /** `auto`: use TimescaleDB when installed or installable; `off`: plain tables; `require`: fail without it. Default `auto`. */
    mode: z.enum(['auto', 'off', 'require']).default('auto'),
    /** Chunk length of the raw hypertable. Default `1 day`. */
    rawChunkInterval: interval.default('1 day'),
    /** Compress raw chunks older than this (segment by path, order by time); null: no compression. Default `7 days`. */
    rawCompressAfter: interval.nullable().default('7 days'),
    /** Drop raw chunks older than this; null keeps them. Default `90 days`. */
    rawRetention: interval.nullable().default('90 days'),
    /** Chunk length per rollup resolution. Default: `7 days` for 1m, `30 days` for 1h, `1 year` for 1d, `30 days` otherwise. */
    rollupChunkInterval: z.record(z.string(), interval).default({ '1m': '7 days', '1h': '30 days', '1d': '1 year' }),
    /** Compress rollup chunks older than this, per resolution; absent: `30 days`; null: no compression. */
    rollupCompressAfter: z.record(z.string(), interval.nullable()).default({}),
    /** Retention per resolution; absent or null keeps them. Default: 1m `1 year`, others kept. */
    rollupRetention: z.record(z.string(), interval.nullable()).default({ '1m': '1 year' }),
  })
  .strict();

export const timescaleSinkOptionsSchema = z
  .object({
    /** Bootstrap brokers (from KAFKA_BROKERS in the CLI). Required. */
    kafkaBrokers: z.array(z.string().min(1)).min(1),
    /** Confluent-compatible registry URL (SCHEMA_REGISTRY_URL). Required. */
    schemaRegistryUrl: z.string().url(),
    /** PostgreSQL connection string (DATABASE_URL). Required. */
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//),
    /** PostgreSQL schema holding every table; created when missing. Default `public`. */
    schema: identifier.default('public'),
    /** Rollup resolutions to consume and store, one table each. Default `1m`, `1h`, `1d`. */
    resolutions: z.array(z.string().regex(resolutionPattern, 'must be <number><s|m|h|d>')).min(1).default([...defaultResolutions]),
    ...sinkConsumerOptions({ groupId: 'fleetstream-timescale-sink', fetchMinBytes: 64 * 1024, fetchMaxWaitMs: 100 }),
    /**
     * How a batch of raw readings reaches PostgreSQL: `copy`, binary COPY into the
     * table, falling back to `insert ... on conflict do nothing` for a batch that
     * holds an already stored reading (a replay); or `unnest`, always that insert.
     * Default `copy`: the faster in bench/sinks.bench.ts; `unnest` stays so the bench can re-measure.
     */
    writeMethod: z.enum(['unnest', 'copy']).default('copy'),
    /**
     * How far a series' `last_seen` may lag its newest stored reading, ms: the catalogue
     * row is rewritten only when it would move by at least this much (or a new series,
     * an earlier first reading, a new kind or unit). 0 rewrites it with every batch. Default 60000.
     */
    lastSeenGranularityMs: z.number().int().min(0).default(60_000),
    /** PostgreSQL connections. Default 4. */
    poolSize: z.number().int().min(1).max(100).default(4),
    /** Apply pending migrations at start. Default true. */
    migrateOnStart: z.boolean().default(true),
    /** TimescaleDB use and policies. */
    timescale: timescaleSchema.default(timescaleSchema.parse({})),
  })
  .strict();

export type TimescaleSinkOptions = z.output<typeof timescaleSinkOptionsSchema>;
export type TimescaleOptions = TimescaleSinkOptions['timescale'];

export function parseTimescaleSinkOptions(input: unknown): TimescaleSinkOptions {
  return parseOptions(timescaleSinkOptionsSchema, input, 'timescale-sink options');
}
