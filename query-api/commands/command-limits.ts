/**
 * The API's limits on sending commands: how many a device and a caller may
 * have unfinished (counted from the statuses every replica reads, plus those
 * this replica has submitted and not seen yet), and how many per second each
 * may send (token buckets of this replica). Pure: time comes from `clock`.
 */
import { KeyedRateLimit } from '../../lib/keyed-rate-limit';

export interface CommandLimitOptions {
  deviceRate: number;
  deviceBurst: number;
  callerRate: number;
  callerBurst: number;
  maxInFlightPerDevice: number;
  maxInFlightPerCaller: number;
  clock?: () => number;
}

export type LimitDecision =
  | { allowed: true }
  | { allowed: false; code: 'COMMAND_RATE_LIMITED' | 'COMMAND_IN_FLIGHT_LIMIT'; retryAfterMs: number; message: string };

/** A caller at its in-flight limit is told to come back after this: no answer time is known in advance. */
export const inFlightRetryAfterMs = 1000;

export class CommandLimits {
  private readonly devices: KeyedRateLimit;
  private readonly callers: KeyedRateLimit;

  constructor(private readonly options: CommandLimitOptions) {
    this.devices = new KeyedRateLimit({ rate: options.deviceRate, burst: options.deviceBurst, clock: options.clock });
    this.callers = new KeyedRateLimit({ rate: options.callerRate, burst: options.callerBurst, clock: options.clock });
  }

  /** Whether `caller` may send one more command to `device` now, given the commands each has unfinished. */
  check(device: string, caller: string, open: { device: number; caller: number }): LimitDecision {
    const { options } = this;
    if (open.device >= options.maxInFlightPerDevice) {
      return { allowed: false, code: 'COMMAND_IN_FLIGHT_LIMIT', retryAfterMs: inFlightRetryAfterMs, message: `device ${device} has ${open.device} commands unfinished, its limit (QUERY_API_COMMAND_MAX_IN_FLIGHT_PER_DEVICE)` };
    }
    if (open.caller >= options.maxInFlightPerCaller) {
      return { allowed: false, code: 'COMMAND_IN_FLIGHT_LIMIT', retryAfterMs: inFlightRetryAfterMs, message: `this token has ${open.caller} commands unfinished, its limit (QUERY_API_COMMAND_MAX_IN_FLIGHT_PER_CALLER)` };
    }
    const byCaller = this.callers.take(caller);
    if (!byCaller.allowed) {
      return { allowed: false, code: 'COMMAND_RATE_LIMITED', retryAfterMs: byCaller.retryAfterMs, message: `this token sends more than ${options.callerRate} commands per second (QUERY_API_COMMAND_CALLER_RATE, _BURST)` };
    }
    const byDevice = this.devices.take(device);
    if (!byDevice.allowed) {
      return { allowed: false, code: 'COMMAND_RATE_LIMITED', retryAfterMs: byDevice.retryAfterMs, message: `device ${device} is sent more than ${options.deviceRate} commands per second (QUERY_API_COMMAND_DEVICE_RATE, _BURST)` };
    }
    return { allowed: true };
  }
}
