/**
 * Failed logins, limited before they cost anything: checking a password is
 * an scrypt comparison of tens of milliseconds of CPU (registry/password-hash.ts),
 * and a wrong password is never remembered, so a client trying passwords at
 * full speed would take the ingest's cores from every device. Failures are
 * counted per client address and device (a misconfigured device retrying
 * with an old password), and per client address over all devices (one
 * client trying many devices); once either is spent, the request is
 * refused with LOGIN_THROTTLED (429 and Retry-After) before any password
 * is checked, until the bucket refills. Keyed by address too, so a stranger
 * cannot lock a device out from elsewhere. Pure: time comes from `clock`.
 */
import { KeyedRateLimit, type RateDecision } from '../../lib/keyed-rate-limit';

export interface FailedLoginLimitOptions {
  /** Failed logins per second, on average, one client address may make for one device, and at once after a quiet spell. */
  perDevice: { rate: number; burst: number };
  /** The same for one client address over all devices. */
  perAddress: { rate: number; burst: number };
  clock?: () => number;
}

export class FailedLoginLimit {
  private readonly perDevice: KeyedRateLimit;
  private readonly perAddress: KeyedRateLimit;

  constructor(options: FailedLoginLimitOptions) {
    this.perDevice = new KeyedRateLimit({ ...options.perDevice, clock: options.clock });
    this.perAddress = new KeyedRateLimit({ ...options.perAddress, clock: options.clock });
  }

  /** Whether a login from `address` as `username` may be checked now. */
  check(address: string, username: string): RateDecision {
    const device = this.perDevice.peek(`${address}\0${username}`);
    const all = this.perAddress.peek(address);
    if (device.allowed && all.allowed) return { allowed: true };
    return { allowed: false, retryAfterMs: Math.max(device.allowed ? 0 : device.retryAfterMs, all.allowed ? 0 : all.retryAfterMs) };
  }

  /** Counts a login from `address` as `username` that failed. */
  failed(address: string, username: string): void {
    this.perDevice.take(`${address}\0${username}`);
    this.perAddress.take(address);
  }
}
