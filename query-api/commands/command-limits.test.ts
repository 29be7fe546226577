import { CommandLimits } from './command-limits';

const t0 = 1_700_000_000_000;

describe('command limits', () => {
  it('refuses over the in-flight limits without taking from the buckets, then over the rates with the time to wait', () => {
    const limits = new CommandLimits({ deviceRate: 1, deviceBurst: 2, callerRate: 10, callerBurst: 10, maxInFlightPerDevice: 3, maxInFlightPerCaller: 5, clock: () => t0 });
    expect(limits.check('d', 'c', { device: 3, caller: 0 })).toMatchObject({ allowed: false, code: 'COMMAND_IN_FLIGHT_LIMIT', retryAfterMs: 1000 });
    expect(limits.check('d', 'c', { device: 0, caller: 5 })).toMatchObject({ allowed: false, code: 'COMMAND_IN_FLIGHT_LIMIT' });
    expect(limits.check('d', 'c', { device: 0, caller: 0 })).toEqual({ allowed: true });
    expect(limits.check('d', 'c', { device: 0, caller: 0 })).toEqual({ allowed: true });
    expect(limits.check('d', 'c', { device: 0, caller: 0 })).toMatchObject({ allowed: false, code: 'COMMAND_RATE_LIMITED', retryAfterMs: 1000 });
    expect(limits.check('other', 'c', { device: 0, caller: 0 })).toEqual({ allowed: true });
  });
});
