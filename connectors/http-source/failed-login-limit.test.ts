import { FailedLoginLimit } from './failed-login-limit';

describe('the failed-login limit', () => {
  const limit = (clock: () => number) => new FailedLoginLimit({ perDevice: { rate: 0.1, burst: 3 }, perAddress: { rate: 1, burst: 5 }, clock });

  it('checks logins until an address has failed its burst for a device, then refuses them until one failure has refilled', () => {
    let now = 0;
    const logins = limit(() => now);
    for (let i = 0; i < 3; i++) {
      expect(logins.check('10.0.0.1', 'acme/p1/m1')).toEqual({ allowed: true });
      logins.failed('10.0.0.1', 'acme/p1/m1');
    }
    expect(logins.check('10.0.0.1', 'acme/p1/m1')).toEqual({ allowed: false, retryAfterMs: 10_000 });
    now += 10_000;
    expect(logins.check('10.0.0.1', 'acme/p1/m1')).toEqual({ allowed: true });
  });

  it('leaves the same device alone from another address, and other devices from the same address', () => {
    const logins = limit(() => 0);
    for (let i = 0; i < 3; i++) logins.failed('10.0.0.1', 'acme/p1/m1');
    expect(logins.check('10.0.0.2', 'acme/p1/m1').allowed).toBe(true);
    expect(logins.check('10.0.0.1', 'acme/p1/m2').allowed).toBe(true);
  });

  it('refuses every device from an address that failed its burst over all of them', () => {
    const logins = limit(() => 0);
    for (let i = 0; i < 5; i++) logins.failed('10.0.0.1', `acme/p1/m${i}`);
    expect(logins.check('10.0.0.1', 'acme/p1/never-tried')).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(logins.check('10.0.0.9', 'acme/p1/never-tried').allowed).toBe(true);
  });
});
