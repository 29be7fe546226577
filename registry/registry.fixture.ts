/** A migrated registry in a fresh schema, dropped after the file's tests. */
import { componentLogger } from '../lib/logger';
import { applyMigrations } from '../schemas/apply-migrations';
import { freshDatabaseSchema } from '../test/factories';
import { registryOn, type Registry } from './registry-connection';

export async function freshRegistry(): Promise<Registry> {
  const { pool, schema } = await freshDatabaseSchema();
  const client = await pool.connect();
  try {
    await applyMigrations(client, { schema, resolutions: ['1m'] }, componentLogger('registry-test'));
  } finally {
    client.release();
  }
  return registryOn(pool, schema);
}
