import { z } from 'zod';
import { connectionOptions, kafkaConnectionOptions, parseOptions, registryConnectionOptions } from '../../lib/config';
import { durationUnits } from '../../lib/duration';
import { duration, flag, integer, keyValues, list, sqlIdentifier } from '../../lib/option-types';
import type { TimescalePolicies } from '../../schemas/migrations';
import { resolutionName } from '../../schemas/resolution';
import { defaultResolutions, timescaleSinkGroupId } from '../../schemas/topics';
import { sinkConsumerOptions } from '../../sink-kit/sink-options';


/** A duration as a PostgreSQL interval literal: 7d -> `7 days`. */
export function postgresInterval(ms: number): string {
  const units = [['year', durationUnits.y], ['day', durationUnits.d], ['hour', durationUnits.h], ['minute', durationUnits.m], ['second', durationUnits.s]] as const;
  const [name, size] = units.find(([, size]) => ms % size === 0) ?? ['millisecond', 1];
  const n = ms / size;
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}

/** A duration as an interval, or `none` for no policy. */
const policyAge = z.union([z.literal('none').transform(() => null), duration({ min: 1000 }).transform(postgresInterval)]);
const chunkInterval = duration({ min: 60_000 }).transform(postgresInterval);

/**
 * Options of the TimescaleDB sink: `TIMESCALE_SINK_<OPTION>` in the
 * environment, plus the connection variables.
 */
export const timescaleSinkOptionsSchema = z.strictObject({
  ...kafkaConnectionOptions,
  ...registryConnectionOptions,
  databaseUrl: connectionOptions.databaseUrl,
  schema: sqlIdentifier.default('public').meta({ description: 'PostgreSQL schema holding every table; created when missing.' }),
  resolutions: list(resolutionName, 1).prefault([...defaultResolutions]).meta({ description: 'Rollup resolutions to consume and store, one table each.' }),
  ...sinkConsumerOptions({ groupId: timescaleSinkGroupId, fetchMinBytes: 64 * 1024, fetchMaxWaitMs: 100 }),
  // copy is the faster in bench/sinks.bench.ts; unnest stays so the bench can re-measure.
  writeMethod: z.enum(['unnest', 'copy']).default('copy').meta({
    description:
      'How a batch of raw readings reaches PostgreSQL: `copy`, binary COPY into the table, falling back to `insert ... on conflict do nothing` for a batch that holds an already stored reading (a replay); or `unnest`, always that insert.',
  }),
  lastSeenGranularity: duration().prefault('60s').meta({
    description:
      "How far a series' `last_seen` may lag its newest stored reading: the series row is rewritten only when it would move by at least this much (or for a new series, an earlier first reading, a new kind or unit). 0s rewrites it with every batch.",
  }),
  poolSize: integer(1, 100).default(4).meta({ description: 'PostgreSQL connections.' }),
  migrateOnStart: flag.default(true).meta({ description: 'Apply pending migrations at start.' }),
  timescale: z.enum(['auto', 'off', 'require']).default('auto').meta({
    description: '`auto`: use TimescaleDB when installed or installable; `off`: plain tables; `require`: fail without it.',
  }),
  rawChunkInterval: chunkInterval.prefault('1d').meta({ description: 'Chunk length of the raw hypertable.' }),
  rawCompressAfter: policyAge.prefault('7d').meta({ description: 'Compress raw chunks older than this (segment by path, order by time); `none`: no compression.' }),
  rawRetention: policyAge.prefault('90d').meta({ description: 'Drop raw chunks older than this; `none` keeps them.' }),
  rollupChunkInterval: keyValues(chunkInterval).prefault({ '1m': '7d', '1h': '30d', '1d': '1y' }).meta({ description: 'Chunk length per rollup resolution; absent: 30d.' }),
  rollupCompressAfter: keyValues(policyAge).prefault({}).meta({ description: 'Compress rollup chunks older than this, per resolution (`1m=30d,1d=none`); absent: 30d. Default: none set.' }),
  rollupRetention: keyValues(policyAge).prefault({ '1m': '1y' }).meta({ description: 'Retention per resolution (`1m=1y`); absent or `none` keeps them.' }),
});

type ParsedOptions = z.output<typeof timescaleSinkOptionsSchema>;

/** TimescaleDB use, and its policies as the migrations take them (PostgreSQL interval literals, null for none). */
export interface TimescaleOptions extends TimescalePolicies {
  mode: ParsedOptions['timescale'];
}

export type TimescaleSinkOptions = Omit<ParsedOptions, 'timescale'> & { timescale: TimescaleOptions };

export function parseTimescaleSinkOptions(input: unknown): TimescaleSinkOptions {
  const options = parseOptions(timescaleSinkOptionsSchema, input, 'timescale-sink options');
  const { timescale: mode, rawChunkInterval, rawCompressAfter, rawRetention, rollupChunkInterval, rollupCompressAfter, rollupRetention } = options;
  return { ...options, timescale: { mode, rawChunkInterval, rawCompressAfter, rawRetention, rollupChunkInterval, rollupCompressAfter, rollupRetention } };
}
