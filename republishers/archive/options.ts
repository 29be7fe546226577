import { z } from 'zod';
import { connectionOptions, parseOptions } from '../../lib/config';
import { FleetstreamError } from '../../lib/errors';
import { duration, flag, list, sqlIdentifier } from '../../lib/option-types';
import { segmentProblem } from '../../schemas/series-path';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD').refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)), 'is no calendar day');
const tenant = z.string().refine((name) => segmentProblem(name, 'tenant') === undefined, 'must be a tenant name (letters, digits, _ . : - ~ @)');

/**
 * Options of `fleetstream archive run` and `archive list`: flags
 * (`--to`, `--since`, ...), plus DATABASE_URL and the S3 credentials
 * (ARCHIVE_S3_ACCESS_KEY_ID, ARCHIVE_S3_SECRET_ACCESS_KEY; absent: the AWS
 * SDK's own chain, AWS_* variables or the pod's role) from the environment.
 */
export const archiveOptionsSchema = z.strictObject({
  databaseUrl: connectionOptions.databaseUrl,
  to: z.string().regex(/^(file:\/\/\/|s3:\/\/[^/]+)/, 'must be file:///<absolute directory> or s3://<bucket>[/<prefix>]').meta({ description: 'Where the files go: `file:///var/archive` (an existing directory) or `s3://bucket/prefix` (an S3-compatible store, see --s3-endpoint).' }),
  since: day.optional().meta({ description: 'First UTC day to archive (YYYY-MM-DD). Default: the day of the oldest series (`series.first_seen`).' }),
  until: day.optional().meta({ description: 'Last UTC day to archive. Default, and at most: the newest closed day.' }),
  tenant: list(tenant).optional().meta({ description: 'Tenants to archive, comma-separated. Default: every tenant with a series.' }),
  databaseSchema: sqlIdentifier.default('public').meta({ description: "PostgreSQL schema of the tables (the timescale-sink's TIMESCALE_SINK_SCHEMA)." }),
  correctionHorizon: duration({ min: 60_000 }).prefault('7d').meta({ description: "The rollups processor's ROLLUPS_CORRECTION_HORIZON: a day is archived once no reading can correct it any more, its end this long ago (plus --settle)." }),
  settle: duration().prefault('1h').meta({ description: 'Added to the correction horizon for the pipeline to store what it accepted at the horizon\'s edge.' }),
  s3Endpoint: z.url().optional().meta({ description: 'Endpoint of an S3-compatible store (MinIO, Garage, Ceph, ...). Default: AWS S3 of --s3-region.' }),
  s3Region: z.string().min(1).default('us-east-1').meta({ description: 'Region of the bucket.' }),
  s3ForcePathStyle: flag.default(false).meta({ description: 'Address the bucket in the path (`endpoint/bucket/key`), as most S3-compatible stores want, rather than as a host name.' }),
  s3AccessKeyId: z.string().min(1).optional().meta({ env: 'ARCHIVE_S3_ACCESS_KEY_ID', description: "Access key of the S3 store; with ARCHIVE_S3_SECRET_ACCESS_KEY. Absent: the AWS SDK's default chain.", secret: true }),
  s3SecretAccessKey: z.string().min(1).optional().meta({ env: 'ARCHIVE_S3_SECRET_ACCESS_KEY', description: 'Secret key of the S3 store.', secret: true }),
});

export type ArchiveOptions = z.output<typeof archiveOptionsSchema>;

export function parseArchiveOptions(input: unknown): ArchiveOptions {
  const options = parseOptions(archiveOptionsSchema, input, 'archive options');
  if (options.since !== undefined && options.until !== undefined && options.until < options.since) {
    throw new FleetstreamError('CONFIG_INVALID', `archive options: until: ${options.until} is before since (${options.since})`);
  }
  return options;
}
