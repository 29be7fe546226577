/**
 * The registry as a tree, tenants → sites → devices (each with its metadata,
 * its parent and its children), read in one snapshot with the revision it
 * reflects: what the hierarchy job publishes and the admin API serves.
 */
import { deviceName } from './device-address';
import { deviceColumns, deviceFromRow, type DeviceRecord, type DeviceRow } from './device-record';
import { registryError, type Registry } from './registry-connection';
import type { RegistryScope } from './registry-scope';

export interface HierarchyDevice extends DeviceRecord {
  /** The names (`<tenant>/<site>/<device>`) of the devices whose parent this one is. */
  children: string[];
}

export interface HierarchySite {
  name: string;
  devices: HierarchyDevice[];
}

export interface HierarchyTenant {
  name: string;
  sites: HierarchySite[];
}

export interface Hierarchy {
  /** The registry revision this snapshot reflects. */
  revision: number;
  tenants: HierarchyTenant[];
}

/** Builds the tree from rows already ordered by tenant, site and name. Pure. */
export function hierarchyOf(revision: number, tenants: string[], sites: { tenant: string; name: string }[], devices: DeviceRecord[]): Hierarchy {
  const children = new Map<string, string[]>();
  for (const device of devices) {
    if (!device.parent) continue;
    const parent = deviceName(device.parent);
    children.set(parent, [...(children.get(parent) ?? []), device.name]);
  }
  const tree = new Map<string, HierarchyTenant>(tenants.map((name) => [name, { name, sites: [] }]));
  const siteOf = new Map<string, HierarchySite>();
  for (const site of sites) {
    const node: HierarchySite = { name: site.name, devices: [] };
    tree.get(site.tenant)?.sites.push(node);
    siteOf.set(`${site.tenant}/${site.name}`, node);
  }
  for (const device of devices) siteOf.get(`${device.tenant}/${device.site}`)?.devices.push({ ...device, children: children.get(device.name) ?? [] });
  return { revision, tenants: [...tree.values()] };
}

/** The whole hierarchy, or one tenant's or site's part of it, as of one moment. */
export async function readHierarchy(registry: Registry, scope?: RegistryScope): Promise<Hierarchy> {
  const client = await registry.pool.connect().catch((error: unknown) => Promise.reject(registryError(error, registry.schema, 'reading the hierarchy')));
  try {
    await client.query('begin isolation level repeatable read read only');
    const t = registry.tables;
    // null: the scope does not narrow by that name
    const values = [scope?.tenant ?? null, scope?.site ?? null];
    const revision = await client.query<{ revision: string }>(`select revision from ${t.revision}`);
    const tenants = await client.query<{ name: string }>(`select name from ${t.tenants} where ($1::text is null or name = $1) order by name`, values.slice(0, 1));
    const sites = await client.query<{ tenant: string; name: string }>(`select tenant, name from ${t.sites} where ($1::text is null or tenant = $1) and ($2::text is null or name = $2) order by tenant, name`, values);
    const devices = await client.query<DeviceRow>(`select ${deviceColumns} from ${t.devices} where ($1::text is null or tenant = $1) and ($2::text is null or site = $2) order by tenant, site, name`, values);
    await client.query('commit');
    return hierarchyOf(Number(revision.rows[0]?.revision ?? 0), tenants.rows.map((r) => r.name), sites.rows, devices.rows.map(deviceFromRow));
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw registryError(error, registry.schema, 'reading the hierarchy');
  } finally {
    client.release();
  }
}
