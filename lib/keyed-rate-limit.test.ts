import { KeyedRateLimit } from './keyed-rate-limit';

describe('the per-device rate limit', () => {
  it('lets a device send its burst at once, then its rate, and says when it may send again', () => {
    let now = 0;
    const limit = new KeyedRateLimit({ rate: 2, burst: 3, clock: () => now });
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, true]);
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterMs: 500 });
    now += 250;
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterMs: 250 });
    now += 250;
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
  });

  it('limits each device on its own', () => {
    const limit = new KeyedRateLimit({ rate: 1, burst: 1, clock: () => 0 });
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
    expect(limit.take('b').allowed).toBe(true);
  });

  it('never banks more than the burst, however long a device was quiet', () => {
    let now = 0;
    const limit = new KeyedRateLimit({ rate: 10, burst: 2, clock: () => now });
    limit.take('a');
    now += 3_600_000;
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, false]);
  });

  it('forgets devices once their bucket is full again, and only those', () => {
    let now = 0;
    const limit = new KeyedRateLimit({ rate: 1, burst: 5, clock: () => now });
    limit.take('quiet');
    now += 4000;
    limit.take('busy');
    now += 1000;
    limit.take('busy');
    expect(limit.size).toBe(1);
  });
});

describe('peeking at a key, for events counted after the fact', () => {
  it('says whether a key may have an event without taking one, and keeps no bucket for a key that has none', () => {
    let now = 0;
    const limit = new KeyedRateLimit({ rate: 1, burst: 2, clock: () => now });
    expect(limit.peek('a')).toEqual({ allowed: true });
    expect(limit.size).toBe(0);
    limit.take('a');
    expect(limit.peek('a')).toEqual({ allowed: true });
    limit.take('a');
    expect(limit.peek('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(limit.peek('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    now += 1000;
    expect(limit.peek('a')).toEqual({ allowed: true });
  });
});
