/**
 * Events per second per key (a device's messages, a caller's commands), as a
 * token bucket per key: a key may have `burst` events at once and `rate` per
 * second on average; an event over that is refused with the time until the
 * key may have one again. Buckets of keys quiet long enough to be full again
 * are forgotten (a full bucket is what a new key gets). Pure: time comes
 * from `clock`.
 */

export interface KeyedRateLimitOptions {
  /** Events per second, on average. */
  rate: number;
  /** Events at once, after a quiet spell. */
  burst: number;
  clock?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: () => number;
  private lastSweep: number;

  constructor(private readonly options: KeyedRateLimitOptions) {
    this.clock = options.clock ?? Date.now;
    this.lastSweep = this.clock();
  }

  /** Takes one event of `key` from its bucket, or says how long until it may have one. */
  take(key: string): RateDecision {
    const bucket = this.refilled(key);
    const decision = this.decide(bucket);
    if (decision.allowed) bucket.tokens -= 1;
    return decision;
  }

  /** Whether `key` may have an event now, taking nothing (and keeping no bucket for a key that has none): for events counted after the fact, such as failed logins. */
  peek(key: string): RateDecision {
    return this.buckets.has(key) ? this.decide(this.refilled(key)) : { allowed: true };
  }

  private refilled(key: string): Bucket {
    const now = this.clock();
    this.sweep(now);
    const { rate, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private decide(bucket: Bucket): RateDecision {
    if (bucket.tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.options.rate) * 1000) };
  }

  /** Keys with a bucket. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops the buckets that have refilled, at most once per refill time. */
  private sweep(now: number): void {
    const refillMs = (this.options.burst / this.options.rate) * 1000;
    if (now - this.lastSweep < refillMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= refillMs) this.buckets.delete(key);
  }
}
