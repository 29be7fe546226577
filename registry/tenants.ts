/**
 * The registry's tenants and sites as the admin API lists them: each with how
 * many sites, devices and tokens it holds. They are created by the writes
 * that need them (`addDevice`, `createToken`), never on their own.
 */
import { FleetstreamError } from '../lib/errors';
import { checkedName } from './device-address';
import { registryQuery, type Registry } from './registry-connection';

export interface TenantRecord {
  name: string;
  createdAt: Date;
  sites: number;
  devices: number;
}

export interface SiteRecord {
  tenant: string;
  name: string;
  createdAt: Date;
  devices: number;
}

interface TenantRow extends Record<string, unknown> {
  name: string;
  created_at: Date;
  sites: number;
  devices: number;
}

function tenantsQuery(registry: Registry, where: string): string {
  const t = registry.tables;
  return `select n.name, n.created_at,
            (select count(*)::int from ${t.sites} s where s.tenant = n.name) as sites,
            (select count(*)::int from ${t.devices} d where d.tenant = n.name) as devices
       from ${t.tenants} n ${where} order by n.name`;
}

function tenantFromRow(row: TenantRow): TenantRecord {
  return { name: row.name, createdAt: row.created_at, sites: row.sites, devices: row.devices };
}

/** Every tenant, or only those named (a tenant token sees its own). */
export async function listTenants(registry: Registry, names?: string[]): Promise<TenantRecord[]> {
  const where = names === undefined ? '' : 'where n.name = any($1)';
  const rows = await registryQuery<TenantRow>(registry, 'listing tenants', tenantsQuery(registry, where), names === undefined ? [] : [names]);
  return rows.map(tenantFromRow);
}

/** One tenant; TENANT_NOT_FOUND when there is none. */
export async function showTenant(registry: Registry, name: string): Promise<TenantRecord> {
  const [row] = await registryQuery<TenantRow>(registry, `reading tenant ${name}`, tenantsQuery(registry, 'where n.name = $1'), [checkedName('tenant', name)]);
  if (!row) throw tenantNotFound(name);
  return tenantFromRow(row);
}

/** A tenant's sites ordered by name; TENANT_NOT_FOUND when the tenant is not in the registry. */
export async function listSites(registry: Registry, tenant: string): Promise<SiteRecord[]> {
  const t = registry.tables;
  const rows = await registryQuery<{ tenant: string; name: string; created_at: Date; devices: number; known: boolean }>(
    registry,
    `listing the sites of ${tenant}`,
    `select n.name as tenant, s.name, s.created_at,
            (select count(*)::int from ${t.devices} d where d.tenant = s.tenant and d.site = s.name) as devices
       from ${t.tenants} n left join ${t.sites} s on s.tenant = n.name
      where n.name = $1 order by s.name`,
    [checkedName('tenant', tenant)],
  );
  if (rows.length === 0) throw tenantNotFound(tenant);
  return rows.filter((row) => row.name !== null).map((row) => ({ tenant: row.tenant, name: row.name, createdAt: row.created_at, devices: row.devices }));
}

function tenantNotFound(name: string): FleetstreamError {
  return new FleetstreamError('TENANT_NOT_FOUND', `tenant ${name} is not in the registry (adding a device or a token for it creates it)`);
}
