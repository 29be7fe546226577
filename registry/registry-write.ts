/**
 * The one way the registry is written: a transaction that first takes the
 * next `registry_revision` (its row lock orders concurrent writers), lets the
 * caller change rows stamped with that revision, and sends a notification per
 * change (registry-change.ts) before it commits.
 */
import type { PoolClient } from 'pg';
import { FleetstreamError } from '../lib/errors';
import { notificationPayload, registryChannel, type RegistryChange } from './registry-change';
import { registryError, type Registry } from './registry-connection';

export interface RegistryWrite {
  client: PoolClient;
  /** The revision every row this write changes is stamped with. */
  revision: number;
  /** Queues a notification; all are sent in the transaction, so only a committed change is heard. */
  notify(change: RegistryChange): void;
}

export async function writeRegistry<T>(registry: Registry, doing: string, work: (write: RegistryWrite) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await registry.pool.connect();
  } catch (error) {
    throw registryError(error, registry.schema, doing);
  }
  try {
    await client.query('begin');
    const { rows } = await client.query<{ revision: string }>(`update ${registry.tables.revision} set revision = revision + 1 returning revision`);
    const revision = Number(rows[0]!.revision);
    const changes: RegistryChange[] = [];
    const result = await work({ client, revision, notify: (change) => changes.push(change) });
    for (const change of changes) await client.query('select pg_notify($1, $2)', [registryChannel, notificationPayload(registry.schema, revision, change)]);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error instanceof FleetstreamError ? error : registryError(error, registry.schema, doing);
  } finally {
    client.release();
  }
}

/** The revision of the last committed write: a follower that cannot LISTEN polls this and reloads when it moved. */
export async function registryRevision(registry: Registry): Promise<number> {
  try {
    const { rows } = await registry.pool.query<{ revision: string }>(`select revision from ${registry.tables.revision}`);
    return Number(rows[0]?.revision ?? 0);
  } catch (error) {
    throw registryError(error, registry.schema, 'reading the registry revision');
  }
}
