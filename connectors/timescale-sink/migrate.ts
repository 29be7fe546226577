import type { Logger } from '../../lib/logger';
import { FleetstreamError } from '../../lib/errors';
import { migrations, policyStatements, qualified, quoteIdent, type MigrationContext } from './migrations';
import type { TimescaleOptions } from './options';

/** What migrations need of a connection: node-postgres's `PoolClient` and PGlite both fit. */
export interface SqlConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

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

/**
 * Applies pending migrations and the TimescaleDB policies in one transaction,
 * under an advisory lock so that replicas starting together do not race.
 */
export async function runMigrations(
  db: SqlConnection,
  config: { schema: string; resolutions: readonly string[]; timescaleOptions: TimescaleOptions },
  logger: Logger,
): Promise<MigrateResult> {
  const timescale = await detectTimescale(db, config.timescaleOptions, logger);
  const context: MigrationContext = { ...config, timescale };
  const table = qualified(config.schema, 'schema_migrations');
  await db.query('begin');
  try {
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`fleetstream.migrations.${config.schema}`]);
    await db.query(`create schema if not exists ${quoteIdent(config.schema)}`);
    await db.query(`create table if not exists ${table} (id text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await db.query(`select id from ${table}`)).rows.map((row) => String(row.id)));
    const applied: string[] = [];
    for (const migration of migrations(context)) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.statements) await db.query(statement);
      await db.query(`insert into ${table} (id) values ($1)`, [migration.id]);
      applied.push(migration.id);
    }
    for (const statement of policyStatements(context)) await db.query(statement);
    await db.query('commit');
    logger.info({ event: 'migrations_applied', schema: config.schema, timescale, applied }, `migrations: ${applied.length} applied`);
    return { timescale, applied };
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw new FleetstreamError('DATABASE_UNAVAILABLE', `migrating schema ${config.schema} failed: ${(error as Error).message}`, { cause: error, retriable: false });
  }
}
