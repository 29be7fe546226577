import type { Pool, PoolClient } from 'pg';
import { databaseError } from './pg-error-class';

/**
 * Runs `work` in a transaction on a client of `pool`: committed when it
 * resolves, rolled back when it throws. A PostgreSQL failure comes out as the
 * FleetstreamError of its class (lib/pg-error-class.ts), `doing` saying what
 * failed; a FleetstreamError of `work` itself passes unchanged.
 */
export async function inTransaction<T>(pool: Pool, doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw databaseError(error, doing);
  }
  let broken = false;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // a connection that cannot even roll back goes, rather than back to the pool
    await client.query('rollback').catch(() => (broken = true));
    throw databaseError(error, doing);
  } finally {
    client.release(broken);
  }
}
