import { PeriodicRounds } from './periodic-rounds';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PeriodicRounds', () => {
  it('runs one more round after the one under way however many wakes came, never two at once', async () => {
    let running = 0;
    let most = 0;
    let rounds = 0;
    let release!: () => void;
    const rounds$ = new PeriodicRounds(async () => {
      running++;
      most = Math.max(most, running);
      rounds++;
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    }, 60_000);
    rounds$.wake();
    rounds$.wake();
    rounds$.wake();
    await tick();
    release();
    await tick();
    await tick();
    release();
    await tick();
    expect([rounds, most]).toEqual([2, 1]);
    await rounds$.stop();
  });

  it('runs a round every interval, and none once stopped', async () => {
    jest.useFakeTimers();
    try {
      let rounds = 0;
      const rounds$ = new PeriodicRounds(async () => {
        rounds++;
      }, 1000);
      rounds$.start();
      await jest.advanceTimersByTimeAsync(3500);
      expect(rounds).toBe(3);
      await rounds$.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(rounds).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('goes on after a round that throws', async () => {
    jest.useFakeTimers();
    try {
      let rounds = 0;
      const rounds$ = new PeriodicRounds(async () => {
        rounds++;
        throw new Error('round failed');
      }, 100);
      rounds$.start(true);
      await jest.advanceTimersByTimeAsync(250);
      expect(rounds).toBe(3);
      await rounds$.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
