import { createAuthenticator } from './authentication';
import { createTokenVerifier } from './tenant-scope';
import type { TokenCache, VerifiedToken } from './token-cache';

const staticToken = 'static-token-0123456789';
const registryToken = `fst_0123456789abcdef_${'a'.repeat(43)}`;
const platformToken = `fst_fedcba9876543210_${'b'.repeat(43)}`;

/** The registry's answers, as the cache would give them. */
function registry(grants: Record<string, VerifiedToken>): TokenCache & { asked: string[] } {
  const asked: string[] = [];
  return { asked, verify: async (token) => (asked.push(token), grants[token]), clear: () => undefined };
}

async function refusal(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(
    () => undefined,
    (error: { code: string }) => error.code,
  );
}

describe('authentication', () => {
  const tokens = registry({ [registryToken]: { id: '0123456789abcdef', tenant: 'acme', role: 'read' }, [platformToken]: { id: 'fedcba9876543210', tenant: null, role: 'admin' } });
  const auth = createAuthenticator(createTokenVerifier([{ token: staticToken, tenant: 'acme' }]), tokens);

  it('scopes the query routes by a static token or a registry token, whatever its role', async () => {
    expect(await auth.scope(`Bearer ${staticToken}`)).toEqual({ kind: 'tenant', tenant: 'acme' });
    expect(await auth.scope(`bearer ${registryToken}`)).toEqual({ kind: 'tenant', tenant: 'acme' });
    expect(await auth.scope(`Bearer ${platformToken}`)).toEqual({ kind: 'admin' });
  });

  it('takes registry tokens only on the admin API, with their tenant and role', async () => {
    expect(await auth.caller(`Bearer ${registryToken}`)).toEqual({ tokenId: '0123456789abcdef', tenant: 'acme', role: 'read' });
    expect(await auth.caller(`Bearer ${platformToken}`)).toEqual({ tokenId: 'fedcba9876543210', tenant: null, role: 'admin' });
    expect(await refusal(auth.caller(`Bearer ${staticToken}`))).toBe('UNAUTHENTICATED');
  });

  it('refuses no token, another scheme, and unknown tokens, and asks the registry only about tokens in its format', async () => {
    tokens.asked.length = 0;
    for (const header of [undefined, '', 'Basic abc', `Bearer ${registryToken} extra`, 'Bearer unknown-token-0123456789', `Bearer fst_0000000000000000_${'c'.repeat(43)}`]) {
      expect(await refusal(auth.scope(header))).toBe('UNAUTHENTICATED');
      expect(await refusal(auth.caller(header))).toBe('UNAUTHENTICATED');
    }
    expect(new Set(tokens.asked)).toEqual(new Set([`fst_0000000000000000_${'c'.repeat(43)}`]));
  });
});
