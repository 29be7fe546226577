import type { CredentialCheck } from '../../registry';
import { createDeviceAuthenticator, type PresentedCredentials } from './device-authentication';

const identity = { tenant: 'acme', site: 'p1', device: 'm7', username: 'acme/p1/m7' };
const basic = (username: string, password: string): PresentedCredentials => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, certificate: undefined });
const certificate = (commonName: string, verified = true): PresentedCredentials => ({ authorization: undefined, certificate: { verified, commonName, problem: verified ? undefined : 'self signed certificate' } });

function registry(answer: (username: string, password: string | null) => CredentialCheck) {
  const calls: [string, string | null][] = [];
  return { calls, check: async (username: string, password: string | null) => (calls.push([username, password]), answer(username, password)) };
}

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(() => undefined, (error: { code: string }) => error.code);
}

describe('device authentication', () => {
  it('takes the identity from the registry: a password by Basic, a verified certificate by its common name', async () => {
    const known = registry((username, password) => (username === 'acme/p1/m7' && password !== 'wrong' ? { outcome: 'accepted', identity } : { outcome: 'unknown' }));
    const auth = createDeviceAuthenticator(known.check, { ttlMs: 5000 });
    expect(await auth.authenticate(basic('acme/p1/m7', 'secret'))).toEqual(identity);
    expect(await auth.authenticate(certificate('acme/p1/m7'))).toEqual(identity);
    expect(known.calls).toEqual([['acme/p1/m7', 'secret'], ['acme/p1/m7', null]]);
  });

  it('is UNAUTHENTICATED without credentials, with unknown ones and with an unverified certificate, DEVICE_FORBIDDEN for a refused device', async () => {
    const auth = createDeviceAuthenticator(
      registry((username) => (username === 'acme/p1/off' ? { outcome: 'refused', identity, state: 'disabled' } : { outcome: 'unknown' })).check,
      { ttlMs: 5000 },
    );
    expect(await codeOf(auth.authenticate({ authorization: undefined, certificate: undefined }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(auth.authenticate({ authorization: 'Bearer x', certificate: undefined }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(auth.authenticate(basic('acme/p1/nobody', 'x')))).toBe('UNAUTHENTICATED');
    expect(await codeOf(auth.authenticate(certificate('acme/p1/off', false)))).toBe('UNAUTHENTICATED');
    expect(await codeOf(auth.authenticate(basic('acme/p1/off', 'x')))).toBe('DEVICE_FORBIDDEN');
    await expect(auth.authenticate(certificate('acme/p1/off'))).rejects.toThrow('device acme/p1/off is disabled in the registry; `fleetstream devices enable` readmits it');
  });

  it('keeps a check for its TTL, per device and secret, until the device is forgotten', async () => {
    let now = 0;
    let answer: CredentialCheck = { outcome: 'accepted', identity };
    const source = registry(() => answer);
    const auth = createDeviceAuthenticator(source.check, { ttlMs: 5000, clock: () => now });
    await auth.authenticate(basic('acme/p1/m7', 'secret'));
    await auth.authenticate(basic('acme/p1/m7', 'secret'));
    expect(source.calls).toHaveLength(1);
    expect(await codeOf(auth.authenticate(basic('acme/p1/m7', 'other')))).toBeUndefined();
    expect(source.calls).toHaveLength(2);
    answer = { outcome: 'refused', identity, state: 'revoked' };
    auth.forget('acme/p1/m7');
    expect(await codeOf(auth.authenticate(basic('acme/p1/m7', 'secret')))).toBe('DEVICE_FORBIDDEN');
    answer = { outcome: 'unknown' };
    now += 5000;
    expect(await codeOf(auth.authenticate(basic('acme/p1/m7', 'secret')))).toBe('UNAUTHENTICATED');
  });
});
