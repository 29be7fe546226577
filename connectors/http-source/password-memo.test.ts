import { hashPassword, passwordMatches } from '../../registry/password-hash';
import { rememberPasswordMatches } from './password-memo';

describe('remembered password comparisons', () => {
  it('compares a password with a hash once, and tells right from wrong', async () => {
    const stored = await hashPassword('right', { N: 16, r: 1, p: 1 });
    const calls: string[] = [];
    const matches = rememberPasswordMatches((password, hash) => (calls.push(password), passwordMatches(password, hash)));
    expect(await Promise.all([matches('right', stored), matches('right', stored), matches('wrong', stored)])).toEqual([true, true, false]);
    expect(await matches('wrong', stored)).toBe(false);
    expect(calls).toEqual(['right', 'wrong']);
  });

  it('compares again against another hash (a rotation), and after a failure', async () => {
    let fail = true;
    const calls: string[] = [];
    const matches = rememberPasswordMatches(async (password, hash) => {
      calls.push(hash);
      if (fail) throw new Error('out of memory');
      return password === 'p';
    });
    await expect(matches('p', 'h1')).rejects.toThrow('out of memory');
    fail = false;
    expect(await matches('p', 'h1')).toBe(true);
    expect(await matches('p', 'h2')).toBe(true);
    expect(await matches('p', 'h1')).toBe(true);
    expect(calls).toEqual(['h1', 'h1', 'h2']);
  });

  it('holds at most maxEntries answers, dropping the oldest', async () => {
    const calls: string[] = [];
    const matches = rememberPasswordMatches(async (password) => (calls.push(password), true), 2);
    for (const password of ['a', 'b', 'c', 'b', 'a']) await matches(password, 'h');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
