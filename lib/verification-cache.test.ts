import { createVerificationCache } from './verification-cache';

function counting<T>(answer: () => Promise<T>) {
  const calls: string[] = [];
  return { calls, check: (key: string) => () => (calls.push(key), answer()) };
}

describe('the verification cache', () => {
  it('forgets the answers of one group and keeps the others', async () => {
    const source = counting(async () => 'yes');
    const cache = createVerificationCache<string>({ ttlMs: 60_000 });
    await cache.get('a1', source.check('a1'), 'a');
    await cache.get('a2', source.check('a2'), 'a');
    await cache.get('b1', source.check('b1'), 'b');
    cache.forget('a');
    for (const key of ['a1', 'a2', 'b1']) await cache.get(key, source.check(key), key.slice(0, 1));
    expect(source.calls).toEqual(['a1', 'a2', 'b1', 'a1', 'a2']);
  });

  it('keeps a group forgettable after its oldest answers were dropped for room', async () => {
    const source = counting(async () => 'yes');
    const cache = createVerificationCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    for (const key of ['a1', 'b1', 'a2']) await cache.get(key, source.check(key), key.slice(0, 1));
    cache.forget('a');
    await cache.get('a2', source.check('a2'), 'a');
    await cache.get('b1', source.check('b1'), 'b');
    expect(source.calls).toEqual(['a1', 'b1', 'a2', 'a2']);
  });
});
