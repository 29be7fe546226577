import { FleetstreamError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { migrations, policyStatements, type MigrationContext } from './migrations';
import { qualified, quoteIdent } from './tables';

/** What migrations need of a connection: node-postgres's `PoolClient` and PGlite both fit. One connection, not a pool: they run in one transaction. */
export interface SqlConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Applies pending migrations and the TimescaleDB policies in one transaction,
 * under an advisory lock so that replicas starting together do not race.
 * Returns the ids applied.
 */
export async function applyMigrations(db: SqlConnection, context: MigrationContext, logger: Logger): Promise<string[]> {
  const table = qualified(context.schema, 'schema_migrations');
  await db.query('begin');
  try {
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`fleetstream.migrations.${context.schema}`]);
    await db.query(`create schema if not exists ${quoteIdent(context.schema)}`);
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
    logger.info({ event: 'migrations_applied', schema: context.schema, timescale: context.timescale !== undefined, applied }, `migrations: ${applied.length} applied`);
    return applied;
  } catch (error) {
    await db.query('rollback').catch(() => undefined);
    throw new FleetstreamError('DATABASE_UNAVAILABLE', `migrating schema ${context.schema} failed: ${(error as Error).message}`, { cause: error, retriable: false });
  }
}
