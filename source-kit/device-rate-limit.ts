/**
 * Messages per second per device, as a token bucket per device: a device
 * may send `burst` messages at once and `rate` per second on average; a
 * message over that is refused with the seconds until the device may send
 * again. Buckets of devices quiet long enough to be full again are
 * forgotten (a full bucket is what a new device gets). Pure: time comes
 * from `clock`.
 */

export interface DeviceRateLimitOptions {
  /** Messages per second, on average. */
  rate: number;
  /** Messages at once, after a quiet spell. */
  burst: number;
  clock?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class DeviceRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: () => number;
  private lastSweep: number;

  constructor(private readonly options: DeviceRateLimitOptions) {
    this.clock = options.clock ?? Date.now;
    this.lastSweep = this.clock();
  }

  /** Takes one message of `device` from its bucket, or says how long until it may send. */
  take(device: string): RateDecision {
    const now = this.clock();
    this.sweep(now);
    const { rate, burst } = this.options;
    const bucket = this.buckets.get(device) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(device, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / rate) * 1000) };
  }

  /** Devices with a bucket. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops the buckets that have refilled, at most once per refill time. */
  private sweep(now: number): void {
    const refillMs = (this.options.burst / this.options.rate) * 1000;
    if (now - this.lastSweep < refillMs) return;
    this.lastSweep = now;
    for (const [device, bucket] of this.buckets) if (now - bucket.at >= refillMs) this.buckets.delete(device);
  }
}
