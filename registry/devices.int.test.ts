import type { FleetstreamError } from '../lib/errors';
import { testSettings } from '../test/factories';
import { verifyDeviceCredentials, rotateCredentials } from './credentials';
import { addDevice, listDevices, removeDevice, revokeDevice, setDeviceEnabled, showDevice, updateDevice } from './devices';
import { freshRegistry } from './registry.fixture';
import type { Registry } from './registry-connection';
import { registryRevision } from './registry-write';

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(
    () => undefined,
    (error: FleetstreamError) => error.code,
  );
}

describe('registry devices', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  it('add creates the tenant and site, stores the device with its metadata, and returns its credentials once, stored only hashed', async () => {
    const { device, credentials } = await addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'gw' }, { tags: { model: 'EM24' }, location: { latitude: 52.37, longitude: 4.89, altitude: 2 } });
    expect(credentials.device).toBe('acme/plant1/gw');
    expect(credentials.username).toBe('acme/plant1/gw');
    expect(Buffer.from(credentials.password, 'base64url')).toHaveLength(24);
    expect(device).toMatchObject({ tenant: 'acme', site: 'plant1', device: 'gw', name: 'acme/plant1/gw', tags: { model: 'EM24' }, location: { latitude: 52.37, longitude: 4.89, altitude: 2 }, parent: null, state: 'active' });
    const tenants = await registry.pool.query(`select name from ${registry.tables.tenants}`);
    const sites = await registry.pool.query(`select tenant, name from ${registry.tables.sites}`);
    expect(tenants.rows).toEqual([{ name: 'acme' }]);
    expect(sites.rows).toEqual([{ tenant: 'acme', name: 'plant1' }]);
    const stored = await registry.pool.query<{ row: string }>(`select row_to_json(c)::text as row from ${registry.tables.deviceCredentials} c`);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.row).not.toContain(credentials.password);
    expect(await verifyDeviceCredentials(registry, 'acme/plant1/gw', credentials.password)).toEqual({ tenant: 'acme', site: 'plant1', device: 'gw', username: 'acme/plant1/gw' });
  });

  it('add refuses a name taken (DEVICE_EXISTS), a bad name (NAME_INVALID), a missing parent (DEVICE_NOT_FOUND) and a parent of another tenant', async () => {
    await addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'taken' });
    expect(await codeOf(addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'taken' }))).toBe('DEVICE_EXISTS');
    expect(await codeOf(addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'a/b' }))).toBe('NAME_INVALID');
    expect(await codeOf(addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'orphan' }, { parent: { tenant: 'acme', site: 'plant1', device: 'nope' } }))).toBe('DEVICE_NOT_FOUND');
    expect(await codeOf(addDevice(registry, { tenant: 'globex', site: 'x', device: 'y' }, { parent: { tenant: 'acme', site: 'plant1', device: 'taken' } }))).toBe('REGISTRY_INPUT_INVALID');
    const names = (await listDevices(registry)).map((d) => d.name);
    expect(names).not.toContain('acme/plant1/orphan');
    expect(names).not.toContain('globex/x/y');
  });

  it('list narrows to a tenant or a site, show gives children and when the password was issued, update changes metadata', async () => {
    await addDevice(registry, { tenant: 'list', site: 's1', device: 'gw' });
    await addDevice(registry, { tenant: 'list', site: 's1', device: 'child' }, { parent: { tenant: 'list', site: 's1', device: 'gw' }, location: { description: 'cellar' } });
    await addDevice(registry, { tenant: 'list', site: 's2', device: 'other' });
    expect((await listDevices(registry, { tenant: 'list' })).map((d) => d.name)).toEqual(['list/s1/child', 'list/s1/gw', 'list/s2/other']);
    expect((await listDevices(registry, { tenant: 'list', site: 's2' })).map((d) => d.name)).toEqual(['list/s2/other']);
    expect(await listDevices(registry, { tenant: 'nobody' })).toEqual([]);
    const gw = await showDevice(registry, { tenant: 'list', site: 's1', device: 'gw' });
    expect(gw.children).toEqual([{ tenant: 'list', site: 's1', device: 'child' }]);
    expect(gw.credentialsIssuedAt).toBeInstanceOf(Date);
    const child = await showDevice(registry, { tenant: 'list', site: 's1', device: 'child' });
    expect(child.parent).toEqual({ tenant: 'list', site: 's1', device: 'gw' });
    expect(child.location).toEqual({ description: 'cellar' });
    const updated = await updateDevice(registry, { tenant: 'list', site: 's1', device: 'child' }, { tags: { fw: '2' }, parent: null });
    expect(updated).toMatchObject({ tags: { fw: '2' }, parent: null, location: { description: 'cellar' } });
    expect(updated.revision).toBeGreaterThan(child.revision);
    expect(await codeOf(showDevice(registry, { tenant: 'list', site: 's1', device: 'nope' }))).toBe('DEVICE_NOT_FOUND');
  });

  it('list filters by state, every given tag and parent, and pages with limit and offset', async () => {
    const gw = { tenant: 'filter', site: 's', device: 'gw' };
    await addDevice(registry, gw, { tags: { model: 'A', fw: '1' } });
    await addDevice(registry, { tenant: 'filter', site: 's', device: 'c1' }, { parent: gw, tags: { model: 'A', fw: '2' } });
    await addDevice(registry, { tenant: 'filter', site: 's', device: 'c2' }, { parent: gw, tags: { model: 'B' } });
    await setDeviceEnabled(registry, { tenant: 'filter', site: 's', device: 'c2' }, false);
    const names = async (filter: Parameters<typeof listDevices>[2]) => (await listDevices(registry, { tenant: 'filter' }, filter)).map((d) => d.device);
    expect(await names({ tags: { model: 'A' } })).toEqual(['c1', 'gw']);
    expect(await names({ tags: { model: 'A', fw: '2' } })).toEqual(['c1']);
    expect(await names({ state: 'disabled' })).toEqual(['c2']);
    expect(await names({ parent: gw })).toEqual(['c1', 'c2']);
    expect(await names({ parent: gw, state: 'active' })).toEqual(['c1']);
    expect(await names({ limit: 2 })).toEqual(['c1', 'c2']);
    expect(await names({ limit: 2, offset: 2 })).toEqual(['gw']);
    // a tag value is a parameter, never SQL
    expect(await names({ tags: { model: "A' or '1'='1" } })).toEqual([]);
  });

  it('rotate: the new password works at once and the old one no longer does', async () => {
    const address = { tenant: 'acme', site: 'plant1', device: 'rotated' };
    const { credentials: first } = await addDevice(registry, address);
    const second = await rotateCredentials(registry, address);
    expect(second.username).toBe(first.username);
    expect(second.password).not.toBe(first.password);
    expect(await verifyDeviceCredentials(registry, first.username, first.password)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, second.username, second.password)).toMatchObject({ device: 'rotated' });
    expect(await codeOf(rotateCredentials(registry, { tenant: 'acme', site: 'plant1', device: 'nope' }))).toBe('DEVICE_NOT_FOUND');
  });

  it('verification refuses an unknown username and a wrong password', async () => {
    const { credentials } = await addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'verified' });
    expect(await verifyDeviceCredentials(registry, 'acme/plant1/unknown', credentials.password)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, credentials.username, `${credentials.password}x`)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, 'acme/plant1/gw', credentials.password)).toBeUndefined();
  });

  it('revoke takes effect at once, for good: no verification, no rotation, no enabling', async () => {
    const address = { tenant: 'acme', site: 'plant1', device: 'revoked' };
    const { credentials } = await addDevice(registry, address);
    expect((await revokeDevice(registry, address)).state).toBe('revoked');
    expect(await verifyDeviceCredentials(registry, credentials.username, credentials.password)).toBeUndefined();
    expect(await codeOf(rotateCredentials(registry, address))).toBe('DEVICE_REVOKED');
    expect(await codeOf(setDeviceEnabled(registry, address, true))).toBe('DEVICE_REVOKED');
    expect((await showDevice(registry, address)).credentialsIssuedAt).toBeNull();
    expect((await revokeDevice(registry, address)).state).toBe('revoked');
  });

  it('disable refuses the device until it is enabled again, with the same password', async () => {
    const address = { tenant: 'acme', site: 'plant1', device: 'disabled' };
    const { credentials } = await addDevice(registry, address);
    expect((await setDeviceEnabled(registry, address, false)).state).toBe('disabled');
    expect(await verifyDeviceCredentials(registry, credentials.username, credentials.password)).toBeUndefined();
    expect((await setDeviceEnabled(registry, address, true)).state).toBe('active');
    expect(await verifyDeviceCredentials(registry, credentials.username, credentials.password)).toMatchObject({ device: 'disabled' });
  });

  it('remove deletes the device and its credentials, and detaches its children; the name can be added again', async () => {
    const gw = { tenant: 'rm', site: 's', device: 'gw' };
    const { credentials } = await addDevice(registry, gw);
    await addDevice(registry, { tenant: 'rm', site: 's', device: 'child' }, { parent: gw });
    await removeDevice(registry, gw);
    expect(await codeOf(showDevice(registry, gw))).toBe('DEVICE_NOT_FOUND');
    expect((await showDevice(registry, { tenant: 'rm', site: 's', device: 'child' })).parent).toBeNull();
    expect(await verifyDeviceCredentials(registry, credentials.username, credentials.password)).toBeUndefined();
    const left = await registry.pool.query(`select 1 from ${registry.tables.deviceCredentials} where tenant = 'rm' and device = 'gw'`);
    expect(left.rows).toHaveLength(0);
    expect(await codeOf(removeDevice(registry, gw))).toBe('DEVICE_NOT_FOUND');
    await addDevice(registry, gw);
  });

  it('counts every write in the revision, and a failed write not at all', async () => {
    const before = await registryRevision(registry);
    await addDevice(registry, { tenant: 'rev', site: 's', device: 'd' });
    expect(await registryRevision(registry)).toBe(before + 1);
    await codeOf(addDevice(registry, { tenant: 'rev', site: 's', device: 'd' }));
    expect(await registryRevision(registry)).toBe(before + 1);
  });

  it('names the command that creates missing tables', async () => {
    const { openRegistry } = await import('./registry-connection');
    const unmigrated = openRegistry({ databaseUrl: testSettings().databaseUrl, databaseSchema: 'no_such_schema_here' });
    try {
      await expect(listDevices(unmigrated)).rejects.toThrow('has no registry tables; run `fleetstream migrate`');
    } finally {
      await unmigrated.close();
    }
  });
});
