/** Runs a CLI command's work on a one-connection pool of the registry's database (DATABASE_URL, REGISTRY_DATABASE_SCHEMA), closed after. */
import type { Pool } from 'pg';
import { readComponentOptions } from '../lib/config';
import { registryOptionsSchema } from '../registry/options';

export async function withRegistryPool<T>(applicationName: string, work: (pool: Pool, schema: string) => Promise<T>): Promise<T> {
  const { openRegistry } = await import('../registry');
  const options = readComponentOptions(registryOptionsSchema, { name: 'registry', envPrefix: 'REGISTRY_' }).options;
  const registry = openRegistry({ ...options, poolSize: 1, applicationName });
  try {
    return await work(registry.pool, registry.schema);
  } finally {
    await registry.close();
  }
}
