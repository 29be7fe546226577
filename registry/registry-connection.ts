/**
 * A registry: a pg Pool and the schema that holds the registry's tables
 * (created by the `0006_registry` migration, `fleetstream migrate`). Every
 * store function takes one.
 */
import { Pool } from 'pg';
import { FleetstreamError } from '../lib/errors';
import { databaseError } from '../lib/pg-error-class';
import { registryTableNames, type RegistryTables } from '../schemas/tables';

export interface Registry {
  pool: Pool;
  schema: string;
  tables: RegistryTables;
}

export function registryOn(pool: Pool, schema: string): Registry {
  return { pool, schema, tables: registryTableNames(schema) };
}

/** A registry with a pool of its own; `close()` ends the pool. */
export function openRegistry(options: { databaseUrl: string; databaseSchema: string; poolSize?: number; applicationName?: string }): Registry & { close(): Promise<void> } {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 4, application_name: options.applicationName ?? 'fleetstream-registry', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  return { ...registryOn(pool, options.databaseSchema), close: () => pool.end() };
}

/** A PostgreSQL failure as a FleetstreamError; a missing table names the command that creates it. */
export function registryError(error: unknown, schema: string, doing: string): FleetstreamError {
  if ((error as { code?: unknown } | null)?.code === '42P01') {
    return new FleetstreamError(
      'DATABASE_REJECTED',
      `${doing} failed: schema "${schema}" has no registry tables; run \`fleetstream migrate\` with TIMESCALE_SINK_SCHEMA=${schema}, or set REGISTRY_DATABASE_SCHEMA to the schema it migrated`,
      { cause: error },
    );
  }
  return databaseError(error, doing);
}

/** Runs one read, mapping its failure. */
export async function registryQuery<R extends Record<string, unknown>>(registry: Registry, doing: string, text: string, values: unknown[] = []): Promise<R[]> {
  try {
    return (await registry.pool.query<R>(text, values)).rows;
  } catch (error) {
    throw registryError(error, registry.schema, doing);
  }
}
