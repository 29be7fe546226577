/**
 * Who a request comes from, by its credentials alone: a client certificate
 * the TLS layer verified against the configured CA (its common name is the
 * device's username), else HTTP Basic with the device's username and
 * password. The registry has the last word on both (registry/credentials.ts):
 * unknown credentials are UNAUTHENTICATED (401), a disabled or revoked
 * device DEVICE_FORBIDDEN (403). Checks are kept for a few seconds per
 * device (lib/verification-cache.ts), and forgotten at once when the
 * registry announces a change of the device.
 */
import { FleetstreamError } from '../../lib/errors';
import { createVerificationCache } from '../../lib/verification-cache';
import type { CredentialCheck, DeviceIdentity } from '../../registry';
import { parseBasicCredentials } from './basic-credentials';

/** What a request presents: its Authorization header, and the client certificate the TLS layer saw. */
export interface PresentedCredentials {
  authorization: string | undefined;
  certificate: { verified: boolean; commonName: string | undefined; problem: string | undefined } | undefined;
}

export interface DeviceAuthenticator {
  /** The device a request comes from; UNAUTHENTICATED or DEVICE_FORBIDDEN otherwise. */
  authenticate(presented: PresentedCredentials): Promise<DeviceIdentity>;
  /** Forgets the checks of a device the registry changed (`<tenant>/<site>/<device>`). */
  forget(username: string): void;
  /** Forgets every check (the change listener reconnected: changes may have been missed). */
  clear(): void;
}

const howToSend =
  'send the device\'s credentials as HTTP Basic (username <tenant>/<site>/<device>, the password `fleetstream devices add` or `rotate` printed) or, over HTTPS, a client certificate signed by the CA of HTTP_SOURCE_TLS_CLIENT_CA_FILE';

export function createDeviceAuthenticator(
  check: (username: string, password: string | null) => Promise<CredentialCheck>,
  options: { ttlMs: number; maxEntries?: number; clock?: () => number },
): DeviceAuthenticator {
  const cache = createVerificationCache<CredentialCheck>(options);
  const identityOf = async (username: string, password: string | null, what: string): Promise<DeviceIdentity> => {
    const key = password === null ? `certificate\0${username}` : `password\0${username}\0${password}`;
    const result = await cache.get(key, () => check(username, password), username);
    if (result.outcome === 'accepted') return result.identity;
    if (result.outcome === 'refused') {
      const fix = result.state === 'disabled' ? '`fleetstream devices enable` readmits it' : 'it is refused for good: remove it and add it again';
      throw new FleetstreamError('DEVICE_FORBIDDEN', `device ${username} is ${result.state} in the registry; ${fix}`);
    }
    throw new FleetstreamError('UNAUTHENTICATED', `${what}; ${howToSend}`);
  };
  return {
    async authenticate({ authorization, certificate }) {
      if (certificate?.verified && certificate.commonName) return identityOf(certificate.commonName, null, `client certificate ${certificate.commonName} names no device in the registry`);
      const basic = parseBasicCredentials(authorization);
      if (basic) return identityOf(basic.username, basic.password, 'unknown device, or not its current password');
      if (certificate) throw new FleetstreamError('UNAUTHENTICATED', `the client certificate was not accepted (${certificate.problem ?? 'it names no device'}); ${howToSend}`);
      throw new FleetstreamError('UNAUTHENTICATED', `no credentials; ${howToSend}`);
    },
    forget: (username) => cache.forget(username),
    clear: () => cache.clear(),
  };
}
