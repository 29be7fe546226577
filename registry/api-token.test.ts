import { createHash } from 'node:crypto';
import { digestsEqual, newApiToken, parseApiToken } from './api-token';

describe('API tokens', () => {
  it('carry their public id and 256 random bits, and are stored as the SHA-256 of the whole token', () => {
    const { token, id, sha256 } = newApiToken();
    expect(token).toMatch(/^fst_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token.slice(4, 20)).toBe(id);
    expect(sha256.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(parseApiToken(token)).toEqual({ id, sha256 });
  });

  it('differ every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newApiToken().token));
    expect(tokens.size).toBe(100);
  });

  it.each(['', 'fst_', 'Bearer fst_0123456789abcdef_' + 'a'.repeat(43), 'fst_0123456789ABCDEF_' + 'a'.repeat(43), 'fst_0123456789abcdef_' + 'a'.repeat(42), 'xyz_0123456789abcdef_' + 'a'.repeat(43)])(
    'refuse %j as a token',
    (text) => {
      expect(parseApiToken(text)).toBeUndefined();
    },
  );

  it('compare digests whole', () => {
    const a = createHash('sha256').update('a').digest();
    expect(digestsEqual(a, Buffer.from(a))).toBe(true);
    expect(digestsEqual(a, createHash('sha256').update('b').digest())).toBe(false);
    expect(digestsEqual(a, a.subarray(0, 16))).toBe(false);
  });
});
