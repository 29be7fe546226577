import type { Pool } from 'pg';
import { componentLogger } from '../../lib/logger';
import { applyMigrations } from '../../schemas/apply-migrations';

/** A fresh PostgreSQL schema `schema`, migrated (the registry, the alert rules, the webhook outbox): `drop()` removes it. */
export async function migratedSchema(pool: Pool, schema: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const client = await pool.connect();
  try {
    await applyMigrations(client, { schema, resolutions: ['1m'] }, componentLogger('bench'));
  } finally {
    client.release();
  }
  return { schema, drop: async () => void (await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined)) };
}
