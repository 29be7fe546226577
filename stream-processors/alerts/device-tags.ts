/**
 * The registry tags of devices, for rules that select series by tags: a
 * series is its device's (`/<tenant>/<site>/<device>/<metric>`), and a rule
 * with `tags` selects it when the device holds all of them.
 */
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import { registryTableNames } from '../../schemas/tables';
import type { DeviceTagsOf } from './rule-book';

/** The tags of the devices of `tenants`, by device path (`/<tenant>/<site>/<device>/`). */
export async function loadDeviceTags(pool: Pool, registrySchema: string, tenants: readonly string[]): Promise<Map<string, Record<string, string>>> {
  if (tenants.length === 0) return new Map();
  const devices = registryTableNames(registrySchema).devices;
  let rows: { tenant: string; site: string; name: string; tags: Record<string, string> }[];
  try {
    rows = (await pool.query(`select tenant, site, name, tags from ${devices} where tenant = any($1) order by tenant, site, name`, [tenants])).rows;
  } catch (error) {
    throw databaseError(error, 'reading the tags of devices');
  }
  return new Map(rows.map((r) => [`/${r.tenant}/${r.site}/${r.name}/`, r.tags]));
}

/** The rule book's view of them: a series path's device's tags. */
export function deviceTagsOf(tags: ReadonlyMap<string, Record<string, string>>): DeviceTagsOf {
  return (path) => tags.get(path.slice(0, path.lastIndexOf('/') + 1));
}
