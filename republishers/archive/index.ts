/**
 * The archive job (Zenatix's sMAP archive, issue 17 item 7):
 * `fleetstream archive run` exports closed days of the raw readings and the
 * rollups as gzip CSV files with a manifest to a directory or an
 * S3-compatible bucket; `archive list` shows what is archived. Run by a
 * Kubernetes CronJob (infra/k8s/archive.cronjob.yaml) and by the local
 * stack's scheduler.
 */
import { Pool } from 'pg';
import { redactUrl } from '../../lib/config';
import { databaseError } from '../../lib/pg-error-class';
import { componentLogger, type Logger } from '../../lib/logger';
import { ArchiveStore, type ArchivedDay } from './archive-store';
import { DirectoryDestination, type ArchiveDestination } from './destination';
import { parseArchiveOptions, type ArchiveOptions } from './options';
import { runArchive, runId, type ArchiveProgress, type ArchiveRunResult } from './run';
import { S3Destination } from './s3-destination';

export type { ArchiveProgress, ArchiveRunResult } from './run';
export type { ArchivedDay } from './archive-store';
export { archiveSummary, progressLine } from './summary';

export interface RunSettings {
  signal?: AbortSignal;
  onProgress?: (progress: ArchiveProgress) => void;
  logger?: Logger;
  /** The clock that decides which days are closed. */
  now?: () => number;
}

function openDestination(options: ArchiveOptions): ArchiveDestination {
  return options.to.startsWith('s3://') ? new S3Destination(options.to, options) : new DirectoryDestination(options.to, runId());
}

async function withStore<T>(options: ArchiveOptions, use: (pool: Pool, store: ArchiveStore) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: 2, application_name: 'fleetstream-archive', connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  try {
    return await use(pool, new ArchiveStore(pool, options.databaseSchema));
  } catch (error) {
    // stopped by a signal: its reason, not a database error
    if (signal?.aborted) throw error;
    throw databaseError(error, 'archiving from PostgreSQL');
  } finally {
    await pool.end();
  }
}

/** One run; ARCHIVE_DESTINATION_UNAVAILABLE, DATABASE_UNAVAILABLE or DATABASE_REJECTED when it cannot finish. */
export async function archive(input: unknown, settings: RunSettings = {}): Promise<ArchiveRunResult> {
  const options = parseArchiveOptions(input);
  const logger = settings.logger ?? componentLogger('archive');
  const destination = openDestination(options);
  logger.debug({ event: 'archive_options', destination: options.to, databaseUrl: redactUrl(options.databaseUrl) }, 'archive options');
  try {
    return await withStore(options, (pool, store) => runArchive(options, { pool, store, destination, logger, now: (settings.now ?? Date.now)(), signal: settings.signal, onProgress: settings.onProgress }), settings.signal);
  } finally {
    destination.close();
  }
}

/** What the archived-days table holds for the destination, oldest first. */
export async function listArchived(input: unknown): Promise<ArchivedDay[]> {
  const options = parseArchiveOptions(input);
  return withStore(options, (_pool, store) => store.archived(options.to, options.since, options.until));
}
