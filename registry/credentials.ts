/**
 * Device credentials: rotation (a new password works at once and the old one
 * no longer does) and verification: `verifyDeviceCredentials` for a plain
 * yes or no, `checkDeviceCredentials` for the HTTP ingest, which tells a
 * refused device from unknown credentials.
 */
import { checkedAddress, deviceName, parseDeviceAddress, type DeviceAddress } from './device-address';
import { issueCredentials, type IssuedCredentials } from './device-credentials';
import type { DeviceState } from './device-record';
import { insertCredentials, refuseRevoked } from './devices';
import { hashPassword, passwordMatches } from './password-hash';
import { registryQuery, type Registry } from './registry-connection';
import { writeRegistry } from './registry-write';

/** Who a verified password belongs to. */
export interface DeviceIdentity extends DeviceAddress {
  username: string;
}

/** Revokes the device's password and issues a new one, returned here once. DEVICE_REVOKED for a revoked device; a disabled one stays disabled. */
export async function rotateCredentials(registry: Registry, device: DeviceAddress): Promise<IssuedCredentials> {
  const address = checkedAddress(device);
  const { issued, hashes } = await issueCredentials(address);
  return writeRegistry(registry, `rotating the credentials of ${deviceName(address)}`, async (write) => {
    await refuseRevoked(write, registry, address);
    await write.client.query(`update ${registry.tables.deviceCredentials} set revoked_at = now() where tenant = $1 and site = $2 and device = $3 and revoked_at is null`, [address.tenant, address.site, address.device]);
    await insertCredentials(write, registry, address, hashes);
    await write.client.query(`update ${registry.tables.devices} set revision = $4, updated_at = now() where tenant = $1 and site = $2 and name = $3`, [address.tenant, address.site, address.device, write.revision]);
    write.notify({ type: 'device', change: 'rotated', ...address });
    return issued;
  });
}

// compared against when the username is unknown, so that an unknown name takes as long as a wrong password
let decoyHash: Promise<string> | undefined;

/** The device whose current password `password` is, when it is active; undefined for anything else (unknown, wrong, revoked, disabled). */
export async function verifyDeviceCredentials(registry: Registry, username: string, password: string): Promise<DeviceIdentity | undefined> {
  const check = await checkDeviceCredentials(registry, username, password);
  return check.outcome === 'accepted' ? check.identity : undefined;
}

/**
 * What the registry says of a device presenting itself as `username`:
 * `accepted`, it may send; `refused`, its credentials are right but the
 * device is disabled or revoked; `unknown`, no such device, or not its
 * current password.
 */
export type CredentialCheck =
  | { outcome: 'accepted'; identity: DeviceIdentity }
  | { outcome: 'refused'; identity: DeviceIdentity; state: 'disabled' | 'revoked' }
  | { outcome: 'unknown' };

/**
 * Checks a device's password, or with `password` null a client certificate
 * whose common name is `username` (the TLS layer verified the certificate).
 * A password is checked against the device's latest credentials, so a
 * revoked device's last password is `refused` while a password rotated away
 * is `unknown`. `matches` compares a password with a stored hash (a caller
 * may remember its answers: scrypt costs tens of milliseconds).
 */
export async function checkDeviceCredentials(
  registry: Registry,
  username: string,
  password: string | null,
  matches: (password: string, stored: string) => Promise<boolean> = passwordMatches,
): Promise<CredentialCheck> {
  const unknown = async (): Promise<CredentialCheck> => {
    if (password !== null) {
      decoyHash ??= hashPassword('decoy');
      await matches(password, await decoyHash);
    }
    return { outcome: 'unknown' };
  };
  let address: DeviceAddress;
  try {
    address = parseDeviceAddress(username);
  } catch {
    return unknown();
  }
  // the username is the device's name, so the device's index finds its credentials, revoked ones included
  const [row] = await registryQuery<{ state: DeviceState; password_hash: string | null; revoked: boolean | null }>(
    registry,
    'checking device credentials',
    `select d.state, c.password_hash, c.revoked_at is not null as revoked from ${registry.tables.devices} d
       left join lateral (select password_hash, revoked_at from ${registry.tables.deviceCredentials} c
                           where c.tenant = d.tenant and c.site = d.site and c.device = d.name and c.username = $4
                           order by c.id desc limit 1) c on true
      where d.tenant = $1 and d.site = $2 and d.name = $3`,
    [address.tenant, address.site, address.device, username],
  );
  if (!row) return unknown();
  if (password !== null && (row.password_hash === null || !(await matches(password, row.password_hash)))) return { outcome: 'unknown' };
  const identity = { ...address, username };
  if (row.state !== 'active') return { outcome: 'refused', identity, state: row.state };
  // an active device's latest credentials are never revoked (rotation issues new ones in the same transaction)
  return password !== null && row.revoked ? { outcome: 'unknown' } : { outcome: 'accepted', identity };
}

/** What the broker needs of each active device: its username and the broker hash of its current password. */
export interface BrokerCredential {
  username: string;
  brokerPasswordHash: string;
}

/** Every active device's current broker credential (revoked, disabled and rotated-away ones left out), by username. */
export async function listBrokerCredentials(registry: Registry): Promise<BrokerCredential[]> {
  const rows = await registryQuery<{ username: string; broker_password_hash: string }>(
    registry,
    'listing the broker credentials',
    `select c.username, c.broker_password_hash from ${registry.tables.deviceCredentials} c
       join ${registry.tables.devices} d on d.tenant = c.tenant and d.site = c.site and d.name = c.device
      where c.revoked_at is null and d.state = 'active'
      order by c.username`,
  );
  return rows.map((row) => ({ username: row.username, brokerPasswordHash: row.broker_password_hash }));
}
