/**
 * The registry tags of devices, for rules that select series by tags: a
 * series is its device's (`/<tenant>/<site>/<device>/<metric>`), and a rule
 * with `tags` selects it when the device holds all of them.
 */
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import { registryTableNames } from '../../schemas/tables';
import type { DeviceTagsOf } from './rule-book';

/** The tags of the devices of `tenants`, as the rule book asks for them. */
export async function loadDeviceTags(pool: Pool, registrySchema: string, tenants: readonly string[]): Promise<DeviceTagsOf> {
  if (tenants.length === 0) return () => undefined;
  const devices = registryTableNames(registrySchema).devices;
  let rows: { tenant: string; site: string; name: string; tags: Record<string, string> }[];
  try {
    rows = (await pool.query(`select tenant, site, name, tags from ${devices} where tenant = any($1)`, [tenants])).rows;
  } catch (error) {
    throw databaseError(error, 'reading the tags of devices');
  }
  const byDevice = new Map(rows.map((r) => [`/${r.tenant}/${r.site}/${r.name}/`, r.tags]));
  return (path) => byDevice.get(path.slice(0, path.lastIndexOf('/') + 1));
}
