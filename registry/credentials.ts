/**
 * Device credentials: rotation (a new password works at once and the old one
 * no longer does) and verification, what the HTTP ingest and any other
 * password check use.
 */
import { checkedAddress, deviceName, type DeviceAddress } from './device-address';
import { issueCredentials, type IssuedCredentials } from './device-credentials';
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
  const [row] = await registryQuery<{ tenant: string; site: string; device: string; password_hash: string }>(
    registry,
    'verifying device credentials',
    `select c.tenant, c.site, c.device, c.password_hash from ${registry.tables.deviceCredentials} c
       join ${registry.tables.devices} d on d.tenant = c.tenant and d.site = c.site and d.name = c.device
      where c.username = $1 and c.revoked_at is null and d.state = 'active'`,
    [username],
  );
  if (!row) {
    decoyHash ??= hashPassword('decoy');
    await passwordMatches(password, await decoyHash);
    return undefined;
  }
  if (!(await passwordMatches(password, row.password_hash))) return undefined;
  return { tenant: row.tenant, site: row.site, device: row.device, username };
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
