import { hashPassword, passwordMatches } from './password-hash';

// the cheapest parameters: the tests are about the format, not the cost
const cheap = { N: 1024, r: 8, p: 1 };

describe('device password hashes', () => {
  it('match the password they were made from and no other, with the parameters stored in the hash', async () => {
    const stored = await hashPassword('s3cret', cheap);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await passwordMatches('s3cret', stored)).toBe(true);
    expect(await passwordMatches('s3cret ', stored)).toBe(false);
    expect(await passwordMatches('', stored)).toBe(false);
  });

  it('are salted: one password hashes differently each time', async () => {
    const [a, b] = [await hashPassword('same', cheap), await hashPassword('same', cheap)];
    expect(a).not.toBe(b);
    expect(await passwordMatches('same', b)).toBe(true);
  });

  it('use the parameters of the stored hash, not the current defaults', async () => {
    // made with other parameters than the defaults (a hash stored before they changed, say)
    const stored = await hashPassword('pw', { N: 2048, r: 8, p: 1 });
    expect((await hashPassword('pw')).startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await passwordMatches('pw', stored)).toBe(true);
    expect(await passwordMatches('pw', stored.replace('$2048$', '$1024$'))).toBe(false);
  });

  it.each(['', 'plain', 'scrypt$x$8$1$a$b', '$7$101$salt$hash', 'scrypt$1024$8$1$AAAA$AAAA'])('refuse a stored value %j that is not a scrypt hash', async (stored) => {
    expect(await passwordMatches('pw', stored)).toBe(false);
  });
});
