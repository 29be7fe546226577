import type { Logger } from '../../lib/logger';
import { FleetstreamError } from '../../lib/errors';
import { applyMigrations, type SqlConnection } from '../../schemas/apply-migrations';
import type { TimescaleOptions } from './options';

export type { SqlConnection };

/**
 * Whether to use TimescaleDB: installed in the database, or available on the
 * server and installable by this user (`create extension`). Plain tables otherwise.
 */
export async function detectTimescale(db: SqlConnection, options: TimescaleOptions, logger: Logger): Promise<boolean> {
  if (options.mode === 'off') return false;
  const installed = await db.query(`select 1 from pg_extension where extname = 'timescaledb'`);
  if (installed.rows.length > 0) return true;
  const available = await db.query(`select 1 from pg_available_extensions where name = 'timescaledb'`);
  if (available.rows.length > 0) {
    try {
      await db.query('create extension if not exists timescaledb');
      return true;
    } catch (error) {
      if (options.mode === 'require') throw notAvailable(`it is available but could not be created: ${(error as Error).message}`, error);
      logger.warn({ event: 'timescaledb_not_created', err: error }, 'TimescaleDB is available but create extension failed; using plain tables');
      return false;
    }
  }
  if (options.mode === 'require') throw notAvailable('the server does not have it', undefined);
  return false;
}

function notAvailable(why: string, cause: unknown): FleetstreamError {
  return new FleetstreamError('CONFIG_INVALID', `TIMESCALE_SINK_TIMESCALE is "require" but TimescaleDB cannot be used (${why}): install the extension or set TIMESCALE_SINK_TIMESCALE=auto`, { cause });
}

export interface MigrateResult {
  timescale: boolean;
  applied: string[];
}

/** Applies pending migrations and the TimescaleDB policies (schemas/apply-migrations.ts), with TimescaleDB when it can be used. */
export async function runMigrations(
  db: SqlConnection,
  config: { schema: string; resolutions: readonly string[]; timescaleOptions: TimescaleOptions },
  logger: Logger,
): Promise<MigrateResult> {
  const timescale = await detectTimescale(db, config.timescaleOptions, logger);
  const applied = await applyMigrations(db, { schema: config.schema, resolutions: config.resolutions, timescale: timescale ? config.timescaleOptions : undefined }, logger);
  return { timescale, applied };
}
