/**
 * Handler secrets: a value per tenant and name, which handler targets name
 * (`secretRef`) instead of holding, so that a secret is neither in the
 * documents kept in git nor in the handler requests on Kafka. Written by
 * `fleetstream handler-secrets`, read by the handler workers when they
 * execute. The contract between them: the table (migration
 * `0015_handler_secrets`) and these functions.
 */
import type { Pool } from 'pg';
import { databaseError } from '../lib/pg-error-class';
import { handlerSecretsTable, qualified } from './tables';

export const handlerSecretNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.:~@-]{0,99}$/;

/** Stores (or replaces) the secret; true when it replaced one. */
export async function putHandlerSecret(pool: Pool, schema: string, tenant: string, name: string, value: string): Promise<boolean> {
  if (!handlerSecretNamePattern.test(name)) throw new Error(`secret name ${JSON.stringify(name)}: 1 to 100 letters, digits and _ . : ~ @ - (starting with a letter or digit)`);
  try {
    const { rows } = await pool.query<{ replaced: boolean }>(
      `insert into ${qualified(schema, handlerSecretsTable)} as s (tenant, name, value) values ($1, $2, $3)
       on conflict (tenant, name) do update set value = excluded.value, updated_at = now()
       returning (s.created_at <> s.updated_at) as replaced`,
      [tenant, name, value],
    );
    return rows[0]!.replaced;
  } catch (error) {
    throw databaseError(error, 'storing a handler secret');
  }
}

/** The secret's value, or undefined when the tenant has none of that name. */
export async function readHandlerSecret(pool: Pool, schema: string, tenant: string, name: string): Promise<string | undefined> {
  try {
    const { rows } = await pool.query<{ value: string }>(`select value from ${qualified(schema, handlerSecretsTable)} where tenant = $1 and name = $2`, [tenant, name]);
    return rows[0]?.value;
  } catch (error) {
    throw databaseError(error, 'reading a handler secret');
  }
}

/** The tenant's secrets, names and dates only. */
export async function listHandlerSecrets(pool: Pool, schema: string, tenant: string): Promise<{ name: string; updatedAt: string }[]> {
  try {
    const { rows } = await pool.query<{ name: string; updated_at: Date }>(`select name, updated_at from ${qualified(schema, handlerSecretsTable)} where tenant = $1 order by name`, [tenant]);
    return rows.map((r) => ({ name: r.name, updatedAt: r.updated_at.toISOString() }));
  } catch (error) {
    throw databaseError(error, 'listing handler secrets');
  }
}

/** Deletes the secret; false when there was none. */
export async function deleteHandlerSecret(pool: Pool, schema: string, tenant: string, name: string): Promise<boolean> {
  try {
    return ((await pool.query(`delete from ${qualified(schema, handlerSecretsTable)} where tenant = $1 and name = $2`, [tenant, name])).rowCount ?? 0) > 0;
  } catch (error) {
    throw databaseError(error, 'deleting a handler secret');
  }
}
