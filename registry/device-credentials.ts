/**
 * New credentials for a device: its username is its name
 * `<tenant>/<site>/<device>` (one device, one username) and its password 24
 * random bytes in base64url. The password is shown once and only its hashes
 * are kept.
 */
import { randomBytes } from 'node:crypto';
import { brokerPasswordHash } from './broker-password-hash';
import { deviceName, type DeviceAddress } from './device-address';
import { hashPassword } from './password-hash';

/** What `devices add` and `rotate` print once. */
export interface IssuedCredentials {
  /** `<tenant>/<site>/<device>` */
  device: string;
  username: string;
  password: string;
}

/** The two hashes the registry stores in place of the password. */
export interface CredentialHashes {
  passwordHash: string;
  brokerPasswordHash: string;
}

export const devicePasswordBytes = 24;

export async function issueCredentials(address: DeviceAddress): Promise<{ issued: IssuedCredentials; hashes: CredentialHashes }> {
  const password = randomBytes(devicePasswordBytes).toString('base64url');
  const name = deviceName(address);
  return {
    issued: { device: name, username: name, password },
    hashes: { passwordHash: await hashPassword(password), brokerPasswordHash: brokerPasswordHash(password) },
  };
}
