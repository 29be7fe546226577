import { KeyedAttempts } from './keyed-attempts';

describe('KeyedAttempts', () => {
  it('counts attempts per key while they run, and forgets a key once its last settles', async () => {
    const attempts = new KeyedAttempts();
    const releases: (() => void)[] = [];
    const settled: string[] = [];
    const work = () => new Promise<void>((resolve) => releases.push(resolve));
    attempts.start('a', work, () => settled.push('a'));
    attempts.start('a', work, () => settled.push('a'));
    attempts.start('b', work, () => settled.push('b'));
    expect([attempts.size, attempts.count('a'), attempts.count('b'), [...attempts.busy.keys()]]).toEqual([3, 2, 1, ['a', 'b']]);
    releases.forEach((release) => release());
    await attempts.settled();
    expect([attempts.size, attempts.count('a'), attempts.busy.size, settled.sort()]).toEqual([0, 0, 0, ['a', 'a', 'b']]);
  });
});
