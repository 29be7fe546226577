import { SubscriptionWatchdog } from './subscription-watchdog';

describe('SubscriptionWatchdog', () => {
  const window = 30_000;
  const watchdog = () => new SubscriptionWatchdog({ windowMs: window, minBrokerMessages: 100 });

  it('knows nothing before a whole window was observed', () => {
    const w = watchdog();
    w.observe(0, 1000, 0);
    expect(w.health(window - 1, 0)).toBe('unknown');
  });

  it('reports stalled when the broker received messages and we got none', () => {
    const w = watchdog();
    w.observe(0, 1000, 5);
    w.observe(10_000, 1500, 5);
    w.observe(window, 2000, 5);
    expect(w.health(window, 5)).toBe('stalled');
  });

  it('reports flowing when we received anything in the window', () => {
    const w = watchdog();
    w.observe(0, 1000, 5);
    w.observe(window, 2000, 6);
    expect(w.health(window, 6)).toBe('flowing');
  });

  it('does not call a quiet broker a stall', () => {
    const w = watchdog();
    w.observe(0, 1000, 5);
    w.observe(window, 1099, 5);
    expect(w.health(window, 5)).toBe('flowing');
  });

  it('measures over the latest window only', () => {
    const w = watchdog();
    w.observe(0, 0, 0);
    w.observe(window, 5000, 100); // flowing then
    w.observe(2 * window, 10000, 100); // nothing of ours since
    expect(w.health(2 * window, 100)).toBe('stalled');
  });
});
