/**
 * The registry's devices: add (creating the tenant and site when missing, and
 * issuing the first credentials), list, show, update, disable and enable,
 * revoke, remove. Every write notifies (registry-write.ts).
 */
import { FleetstreamError } from '../lib/errors';
import { checkedAddress, deviceName, type DeviceAddress } from './device-address';
import { issueCredentials, type IssuedCredentials } from './device-credentials';
import { checkedLocation, locationColumns, type DeviceLocation } from './device-location';
import { deviceColumns, deviceFromRow, type DeviceRecord, type DeviceRow, type DeviceState } from './device-record';
import { checkedTags, type DeviceTags } from './device-tags';
import { scopeFilter, type RegistryScope } from './registry-scope';
import { registryQuery, type Registry } from './registry-connection';
import { writeRegistry, type RegistryWrite } from './registry-write';

export interface NewDevice {
  tags?: DeviceTags;
  location?: DeviceLocation | null;
  /** A device of the same tenant that this one reaches the platform through (a gateway). */
  parent?: DeviceAddress | null;
}

export interface DeviceDetails extends DeviceRecord {
  /** The devices whose parent this one is. */
  children: DeviceAddress[];
  /** When the device's current password was issued; null once revoked. */
  credentialsIssuedAt: Date | null;
}

function notFound(address: DeviceAddress, what = 'device'): FleetstreamError {
  return new FleetstreamError('DEVICE_NOT_FOUND', `${what} ${deviceName(address)} is not in the registry (\`fleetstream devices list\` shows what is)`);
}

/** The parent's (site, name) columns, after checking it is another device of the same tenant that exists. */
async function parentColumns(write: RegistryWrite, registry: Registry, address: DeviceAddress, parent: DeviceAddress | null | undefined): Promise<[string | null, string | null]> {
  if (!parent) return [null, null];
  const checked = checkedAddress(parent);
  if (checked.tenant !== address.tenant) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `parent ${deviceName(checked)} is not of tenant ${address.tenant}: a gateway and its devices share a tenant`);
  if (checked.site === address.site && checked.device === address.device) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `${deviceName(address)} cannot be its own parent`);
  const { rows } = await write.client.query(`select 1 from ${registry.tables.devices} where tenant = $1 and site = $2 and name = $3 for share`, [checked.tenant, checked.site, checked.device]);
  if (rows.length === 0) throw notFound(checked, 'parent device');
  return [checked.site, checked.device];
}

/** Creates the tenant and the site when missing (notifying each), under the write's revision. */
async function ensureSite(write: RegistryWrite, registry: Registry, address: DeviceAddress): Promise<void> {
  const tenant = await write.client.query(`insert into ${registry.tables.tenants} (name, revision) values ($1, $2) on conflict do nothing returning name`, [address.tenant, write.revision]);
  if (tenant.rows.length > 0) write.notify({ type: 'tenant', change: 'added', tenant: address.tenant });
  const site = await write.client.query(`insert into ${registry.tables.sites} (tenant, name, revision) values ($1, $2, $3) on conflict do nothing returning name`, [address.tenant, address.site, write.revision]);
  if (site.rows.length > 0) write.notify({ type: 'site', change: 'added', tenant: address.tenant, site: address.site });
}

/** Adds a device and issues its credentials, returned here once and stored only as hashes. DEVICE_EXISTS when the name is taken. */
export async function addDevice(registry: Registry, address: DeviceAddress, device: NewDevice = {}): Promise<{ device: DeviceRecord; credentials: IssuedCredentials }> {
  const checked = checkedAddress(address);
  const tags = checkedTags(device.tags ?? {});
  const location = locationColumns(device.location && checkedLocation(device.location));
  // hashing takes tens of milliseconds: done before the transaction holds the revision lock
  const { issued, hashes } = await issueCredentials(checked);
  return writeRegistry(registry, `adding device ${deviceName(checked)}`, async (write) => {
    await ensureSite(write, registry, checked);
    const parent = await parentColumns(write, registry, checked, device.parent);
    const inserted = await write.client.query<DeviceRow>(
      `insert into ${registry.tables.devices} (tenant, site, name, tags, latitude, longitude, altitude, location_text, parent_site, parent_name, revision)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing returning ${deviceColumns}`,
      [checked.tenant, checked.site, checked.device, JSON.stringify(tags), ...location, ...parent, write.revision],
    );
    if (inserted.rows.length === 0) throw new FleetstreamError('DEVICE_EXISTS', `device ${deviceName(checked)} is already in the registry (\`fleetstream devices rotate\` issues it new credentials)`);
    await insertCredentials(write, registry, checked, hashes);
    write.notify({ type: 'device', change: 'added', ...checked });
    return { device: deviceFromRow(inserted.rows[0]!), credentials: issued };
  });
}

export async function insertCredentials(write: RegistryWrite, registry: Registry, address: DeviceAddress, hashes: { passwordHash: string; brokerPasswordHash: string }): Promise<void> {
  await write.client.query(
    `insert into ${registry.tables.deviceCredentials} (tenant, site, device, username, password_hash, broker_password_hash) values ($1, $2, $3, $4, $5, $6)`,
    [address.tenant, address.site, address.device, deviceName(address), hashes.passwordHash, hashes.brokerPasswordHash],
  );
}

/** What a device listing keeps besides its scope, and which page of it. */
export interface DeviceFilter {
  state?: DeviceState;
  /** Devices having every one of these tags with that value. */
  tags?: DeviceTags;
  /** The children of this gateway. */
  parent?: DeviceAddress;
  limit?: number;
  offset?: number;
}

/** Every device, or those of one tenant or site, narrowed by `filter`, ordered by name. */
export async function listDevices(registry: Registry, scope?: RegistryScope, filter: DeviceFilter = {}): Promise<DeviceRecord[]> {
  const scoped = scopeFilter(scope);
  const values: unknown[] = [...scoped.values];
  const conditions = scoped.filter === '' ? [] : [scoped.filter.replace(/^where /, '')];
  const condition = (sql: (parameter: string) => string, value: unknown): void => {
    values.push(value);
    conditions.push(sql(`$${values.length}`));
  };
  if (filter.state !== undefined) condition((p) => `state = ${p}`, filter.state);
  if (filter.tags !== undefined) condition((p) => `tags @> ${p}::jsonb`, JSON.stringify(checkedTags(filter.tags)));
  if (filter.parent !== undefined) {
    const parent = checkedAddress(filter.parent);
    condition((p) => `tenant = ${p}`, parent.tenant);
    condition((p) => `parent_site = ${p}`, parent.site);
    condition((p) => `parent_name = ${p}`, parent.device);
  }
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  // limit null is no limit
  values.push(filter.limit ?? null, filter.offset ?? 0);
  const text = `select ${deviceColumns} from ${registry.tables.devices} ${where} order by tenant, site, name limit $${values.length - 1}::bigint offset $${values.length}::bigint`;
  const rows = await registryQuery<DeviceRow>(registry, 'listing devices', text, values);
  return rows.map(deviceFromRow);
}

/** DEVICE_NOT_FOUND unless the registry holds the device (in any state): one indexed lookup, for the routes that act on a device. */
export async function requireDevice(registry: Registry, address: DeviceAddress): Promise<void> {
  const checked = checkedAddress(address);
  const rows = await registryQuery(registry, `reading device ${deviceName(checked)}`, `select 1 from ${registry.tables.devices} where tenant = $1 and site = $2 and name = $3`, [checked.tenant, checked.site, checked.device]);
  if (rows.length === 0) throw notFound(checked);
}

/** One device with its children and when its password was issued; DEVICE_NOT_FOUND when there is none. */
export async function showDevice(registry: Registry, address: DeviceAddress): Promise<DeviceDetails> {
  const checked = checkedAddress(address);
  const doing = `reading device ${deviceName(checked)}`;
  const key = [checked.tenant, checked.site, checked.device];
  const [row] = await registryQuery<DeviceRow>(registry, doing, `select ${deviceColumns} from ${registry.tables.devices} where tenant = $1 and site = $2 and name = $3`, key);
  if (!row) throw notFound(checked);
  const children = await registryQuery<{ site: string; name: string }>(registry, doing, `select site, name from ${registry.tables.devices} where tenant = $1 and parent_site = $2 and parent_name = $3 order by site, name`, key);
  const [credentials] = await registryQuery<{ created_at: Date }>(
    registry,
    doing,
    `select created_at from ${registry.tables.deviceCredentials} where tenant = $1 and site = $2 and device = $3 and revoked_at is null`,
    key,
  );
  return { ...deviceFromRow(row), children: children.map((c) => ({ tenant: checked.tenant, site: c.site, device: c.name })), credentialsIssuedAt: credentials?.created_at ?? null };
}

/** Changes what is given of tags (replaced whole), location and parent (null clears them). */
export async function updateDevice(registry: Registry, address: DeviceAddress, changes: NewDevice): Promise<DeviceRecord> {
  const checked = checkedAddress(address);
  return writeRegistry(registry, `updating device ${deviceName(checked)}`, async (write) => {
    const sets: string[] = [];
    const values: unknown[] = [checked.tenant, checked.site, checked.device, write.revision];
    const set = (column: string, value: unknown): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (changes.tags !== undefined) set('tags', JSON.stringify(checkedTags(changes.tags)));
    if (changes.location !== undefined) {
      const [latitude, longitude, altitude, text] = locationColumns(changes.location && checkedLocation(changes.location));
      set('latitude', latitude);
      set('longitude', longitude);
      set('altitude', altitude);
      set('location_text', text);
    }
    if (changes.parent !== undefined) {
      const [site, name] = await parentColumns(write, registry, checked, changes.parent);
      set('parent_site', site);
      set('parent_name', name);
    }
    return changeDevice(write, registry, checked, 'updated', sets, values);
  });
}

/** Updates one device's row with `sets` (after $1..$4: tenant, site, name, revision), notifying `change`. */
async function changeDevice(write: RegistryWrite, registry: Registry, address: DeviceAddress, change: 'updated' | 'disabled' | 'enabled' | 'revoked', sets: string[], values: unknown[]): Promise<DeviceRecord> {
  const { rows } = await write.client.query<DeviceRow>(
    `update ${registry.tables.devices} set ${[...sets, 'revision = $4', 'updated_at = now()'].join(', ')} where tenant = $1 and site = $2 and name = $3 returning ${deviceColumns}`,
    values,
  );
  if (rows.length === 0) throw notFound(address);
  write.notify({ type: 'device', change, ...address });
  return deviceFromRow(rows[0]!);
}

/** Disables (refused until enabled) or enables a device. DEVICE_REVOKED for a revoked one. */
export async function setDeviceEnabled(registry: Registry, address: DeviceAddress, enabled: boolean): Promise<DeviceRecord> {
  const checked = checkedAddress(address);
  return writeRegistry(registry, `${enabled ? 'enabling' : 'disabling'} device ${deviceName(checked)}`, async (write) => {
    await refuseRevoked(write, registry, checked);
    return changeDevice(write, registry, checked, enabled ? 'enabled' : 'disabled', [`state = '${enabled ? 'active' : 'disabled'}'`], [checked.tenant, checked.site, checked.device, write.revision]);
  });
}

/** Locks the device's row; DEVICE_NOT_FOUND when missing, DEVICE_REVOKED when revoked. */
export async function refuseRevoked(write: RegistryWrite, registry: Registry, address: DeviceAddress): Promise<void> {
  const { rows } = await write.client.query<{ state: string }>(`select state from ${registry.tables.devices} where tenant = $1 and site = $2 and name = $3 for update`, [address.tenant, address.site, address.device]);
  if (rows.length === 0) throw notFound(address);
  if (rows[0]!.state === 'revoked') throw new FleetstreamError('DEVICE_REVOKED', `device ${deviceName(address)} is revoked for good: \`fleetstream devices remove\` it, then add it again`);
}

/** Revokes a device for good, with its credentials, at once: the next verification fails. Revoking it again changes nothing. */
export async function revokeDevice(registry: Registry, address: DeviceAddress): Promise<DeviceRecord> {
  const checked = checkedAddress(address);
  return writeRegistry(registry, `revoking device ${deviceName(checked)}`, async (write) => {
    await write.client.query(`update ${registry.tables.deviceCredentials} set revoked_at = now() where tenant = $1 and site = $2 and device = $3 and revoked_at is null`, [checked.tenant, checked.site, checked.device]);
    return changeDevice(write, registry, checked, 'revoked', [`state = 'revoked'`], [checked.tenant, checked.site, checked.device, write.revision]);
  });
}

/** Removes a device and its credentials; its children stay, without a parent. */
export async function removeDevice(registry: Registry, address: DeviceAddress): Promise<void> {
  const checked = checkedAddress(address);
  const key = [checked.tenant, checked.site, checked.device];
  await writeRegistry(registry, `removing device ${deviceName(checked)}`, async (write) => {
    const children = await write.client.query<{ site: string; name: string }>(
      `update ${registry.tables.devices} set parent_site = null, parent_name = null, revision = $4, updated_at = now()
        where tenant = $1 and parent_site = $2 and parent_name = $3 returning site, name`,
      [...key, write.revision],
    );
    for (const child of children.rows) write.notify({ type: 'device', change: 'updated', tenant: checked.tenant, site: child.site, device: child.name });
    const removed = await write.client.query(`delete from ${registry.tables.devices} where tenant = $1 and site = $2 and name = $3`, key);
    if (removed.rowCount === 0) throw notFound(checked);
    write.notify({ type: 'device', change: 'removed', ...checked });
  });
}
