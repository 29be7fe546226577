import { checkLikePattern, checkPath, checkPrefix, createTokenVerifier, inScope, parseTokenList } from './tenant-scope';

const acmeToken = 'acme-token-0123456789';
const globexToken = 'globex-token-0123456789';

describe('parseTokenList', () => {
  it('reads token:tenant pairs', () => {
    expect(parseTokenList(` ${acmeToken}:acme, ${globexToken}:globex ,`)).toEqual([
      { token: acmeToken, tenant: 'acme' },
      { token: globexToken, tenant: 'globex' },
    ]);
  });
  it('refuses an entry without a tenant, a bad tenant, or a short token, naming the variable', () => {
    expect(() => parseTokenList(acmeToken)).toThrow(/QUERY_API_TOKENS/);
    expect(() => parseTokenList(`${acmeToken}:ac/me`)).toThrow(/entry 1/);
    expect(() => parseTokenList('short:acme')).toThrow(/shorter than 16/);
  });
});

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier(parseTokenList(`${acmeToken}:acme,${globexToken}:globex`), 'admin-token-0123456789');
  it('maps each token to its tenant, and the admin token to everything', () => {
    expect(verify(acmeToken)).toEqual({ kind: 'tenant', tenant: 'acme' });
    expect(verify(globexToken)).toEqual({ kind: 'tenant', tenant: 'globex' });
    expect(verify('admin-token-0123456789')).toEqual({ kind: 'admin' });
  });
  it('knows no other token', () => {
    for (const token of ['', `${acmeToken}x`, acmeToken.toUpperCase()]) expect(verify(token)).toBeUndefined();
  });
});

describe('path checks', () => {
  const acme = { kind: 'tenant', tenant: 'acme' } as const;
  it('keeps a tenant inside its own paths', () => {
    expect(() => checkPath(acme, '/acme/s/d/m')).not.toThrow();
    for (const path of ['/globex/s/d/m', '/acme', '/acmeco/s/d/m', '/', '//acme/s']) {
      expect(() => checkPath(acme, path)).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_TENANT' }));
    }
  });
  it('refuses paths with control characters or without a leading slash', () => {
    expect(() => checkPath(acme, '/acme/s\u0000')).toThrow(expect.objectContaining({ code: 'QUERY_INVALID' }));
    expect(() => checkPath(acme, 'acme/s')).toThrow(expect.objectContaining({ code: 'QUERY_INVALID' }));
  });
  it('normalizes prefixes to whole path segments', () => {
    expect(checkPrefix(acme, '/acme')).toBe('/acme/');
    expect(checkPrefix(acme, '/acme/plant1')).toBe('/acme/plant1/');
    expect(() => checkPrefix(acme, '/acm')).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_TENANT' }));
    expect(checkPrefix({ kind: 'admin' }, '/')).toBe('/');
  });
  it('confines LIKE patterns to the tenant root written literally', () => {
    expect(() => checkLikePattern(acme, '/acme/%')).not.toThrow();
    for (const pattern of ['/%', '/acm%', '/a_me/%', '/globex/%']) {
      expect(() => checkLikePattern(acme, pattern)).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_TENANT' }));
    }
  });
  it('tells whether a path read back lies in scope', () => {
    expect(inScope(acme, '/acme/x')).toBe(true);
    expect(inScope(acme, '/globex/x')).toBe(false);
    expect(inScope({ kind: 'admin' }, '/globex/x')).toBe(true);
  });
});
