import { createTokenCache, type VerifiedToken } from './token-cache';

const grant: VerifiedToken = { id: '0123456789abcdef', tenant: 'acme', role: 'read' };

function counting(answer: () => Promise<VerifiedToken | undefined>) {
  const calls: string[] = [];
  return { calls, verify: (token: string) => (calls.push(token), answer()) };
}

describe('the token cache', () => {
  it('verifies a token once within the TTL, shared by concurrent requests, and again after it', async () => {
    let now = 1000;
    const registry = counting(async () => grant);
    const cache = createTokenCache(registry.verify, { ttlMs: 5000, clock: () => now });
    expect(await Promise.all([cache.verify('t'), cache.verify('t')])).toEqual([grant, grant]);
    now += 4999;
    await cache.verify('t');
    expect(registry.calls).toHaveLength(1);
    now += 1;
    await cache.verify('t');
    expect(registry.calls).toHaveLength(2);
  });

  it('forgets everything on clear(), so the next request reads the registry again', async () => {
    let answer: VerifiedToken | undefined = grant;
    const registry = counting(async () => answer);
    const cache = createTokenCache(registry.verify, { ttlMs: 60_000 });
    expect(await cache.verify('t')).toEqual(grant);
    answer = undefined;
    expect(await cache.verify('t')).toEqual(grant);
    cache.clear();
    expect(await cache.verify('t')).toBeUndefined();
  });

  it('keeps unknown tokens too, but not a failed verification', async () => {
    let fail = true;
    const registry = counting(async () => {
      if (fail) throw new Error('database away');
      return undefined;
    });
    const cache = createTokenCache(registry.verify, { ttlMs: 60_000 });
    await expect(cache.verify('t')).rejects.toThrow('database away');
    fail = false;
    expect(await cache.verify('t')).toBeUndefined();
    expect(await cache.verify('t')).toBeUndefined();
    expect(registry.calls).toHaveLength(2);
  });

  it('holds at most maxEntries, dropping the oldest, and nothing with a TTL of 0', async () => {
    const registry = counting(async () => grant);
    const cache = createTokenCache(registry.verify, { ttlMs: 60_000, maxEntries: 2 });
    for (const token of ['a', 'b', 'c', 'b', 'c', 'a']) await cache.verify(token);
    expect(registry.calls).toEqual(['a', 'b', 'c', 'a']);
    const uncached = counting(async () => grant);
    const none = createTokenCache(uncached.verify, { ttlMs: 0 });
    await none.verify('a');
    await none.verify('a');
    expect(uncached.calls).toHaveLength(2);
  });
});
