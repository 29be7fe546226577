import { checkDeviceCredentials, rotateCredentials } from './credentials';
import { addDevice, revokeDevice, setDeviceEnabled } from './devices';
import { freshRegistry } from './registry.fixture';
import type { Registry } from './registry-connection';

describe('checking device credentials (the HTTP ingest: refused is 403, unknown 401)', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  it('accepts the current password or a certificate of an active device, with its identity', async () => {
    const { credentials } = await addDevice(registry, { tenant: 'acme', site: 'p1', device: 'ok' });
    const identity = { tenant: 'acme', site: 'p1', device: 'ok', username: 'acme/p1/ok' };
    expect(await checkDeviceCredentials(registry, credentials.username, credentials.password)).toEqual({ outcome: 'accepted', identity });
    expect(await checkDeviceCredentials(registry, credentials.username, null)).toEqual({ outcome: 'accepted', identity });
  });

  it('knows no unknown device, no wrong password, no password rotated away, and no name that is not a device', async () => {
    const address = { tenant: 'acme', site: 'p1', device: 'rotated' };
    const { credentials: old } = await addDevice(registry, address);
    const current = await rotateCredentials(registry, address);
    expect(await checkDeviceCredentials(registry, old.username, old.password)).toEqual({ outcome: 'unknown' });
    expect(await checkDeviceCredentials(registry, current.username, `${current.password}x`)).toEqual({ outcome: 'unknown' });
    expect(await checkDeviceCredentials(registry, 'acme/p1/nobody', current.password)).toEqual({ outcome: 'unknown' });
    expect(await checkDeviceCredentials(registry, 'acme/p1/nobody', null)).toEqual({ outcome: 'unknown' });
    expect(await checkDeviceCredentials(registry, 'not a device', current.password)).toEqual({ outcome: 'unknown' });
    expect(await checkDeviceCredentials(registry, current.username, current.password)).toMatchObject({ outcome: 'accepted' });
  });

  it('refuses a disabled or revoked device whose credentials are right, and only those', async () => {
    const disabled = { tenant: 'acme', site: 'p1', device: 'disabled' };
    const revoked = { tenant: 'acme', site: 'p1', device: 'revoked' };
    const { credentials: d } = await addDevice(registry, disabled);
    const { credentials: r } = await addDevice(registry, revoked);
    await setDeviceEnabled(registry, disabled, false);
    await revokeDevice(registry, revoked);
    expect(await checkDeviceCredentials(registry, d.username, d.password)).toMatchObject({ outcome: 'refused', state: 'disabled', identity: { device: 'disabled' } });
    expect(await checkDeviceCredentials(registry, r.username, r.password)).toMatchObject({ outcome: 'refused', state: 'revoked', identity: { device: 'revoked' } });
    expect(await checkDeviceCredentials(registry, r.username, null)).toMatchObject({ outcome: 'refused', state: 'revoked' });
    expect(await checkDeviceCredentials(registry, r.username, `${r.password}x`)).toEqual({ outcome: 'unknown' });
  });

  it('compares passwords with the matcher it is given', async () => {
    const { credentials } = await addDevice(registry, { tenant: 'acme', site: 'p1', device: 'matcher' });
    const compared: string[] = [];
    const matches = async (password: string, stored: string) => (compared.push(stored), password === 'anything');
    expect(await checkDeviceCredentials(registry, credentials.username, 'anything', matches)).toMatchObject({ outcome: 'accepted' });
    expect(compared).toEqual([expect.stringMatching(/^scrypt\$/)]);
  });
});
