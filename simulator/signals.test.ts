import { createRandom } from './random';
import { counterSignal, dailyCycle, pulseSignal, temperatureSignal } from './signals';

const hour = 3_600_000;
const midnight = Date.UTC(2024, 0, 1);

describe('signals', () => {
  test('the daily cycle is coldest at 03:00 UTC and warmest at 15:00 UTC', () => {
    expect(dailyCycle(midnight + 3 * hour)).toBeCloseTo(0, 10);
    expect(dailyCycle(midnight + 15 * hour)).toBeCloseTo(1, 10);
    expect(dailyCycle(midnight + 9 * hour)).toBeCloseTo(0.5, 10);
  });

  test('temperature follows the daily cycle: afternoons are warmer than nights', () => {
    const signal = temperatureSignal(createRandom(7));
    const at = (h: number): number => {
      let sum = 0;
      for (let day = 0; day < 50; day++) sum += signal.next(midnight + day * 24 * hour + h * hour);
      return sum / 50;
    };
    expect(at(15) - at(3)).toBeGreaterThan(1.5);
  });

  test('an energy meter never decreases when it never resets', () => {
    const signal = counterSignal(createRandom(3), { resetProbability: 0 });
    let previous = -Infinity;
    for (let i = 0; i < 20_000; i++) {
      const value = signal.next(midnight + i * 1000);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
    expect(previous).toBeGreaterThan(0);
  });

  test('an energy meter decreases only at resets, and then restarts near 0', () => {
    const signal = counterSignal(createRandom(5), { resetProbability: 0.01 });
    let previous = signal.next(midnight);
    let resets = 0;
    for (let i = 1; i < 5000; i++) {
      const value = signal.next(midnight + i * 60_000);
      if (value < previous) {
        resets++;
        // one minute of consumption at most a few kWh/h: a restart, not a glitch
        expect(value).toBeLessThan(1);
      }
      previous = value;
    }
    expect(resets).toBeGreaterThan(20);
    expect(resets).toBeLessThan(100);
  });

  test('pulse counts are whole numbers, never negative, growing with the interval', () => {
    const signal = pulseSignal(createRandom(9), { perHour: 3600 });
    const short: number[] = [];
    const long: number[] = [];
    let ts = midnight;
    for (let i = 0; i < 200; i++) {
      ts += 1000;
      short.push(signal.next(ts));
      ts += 60_000;
      long.push(signal.next(ts));
    }
    for (const v of [...short, ...long]) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(long)).toBeGreaterThan(20 * mean(short));
  });

  test('the same seed gives the same values', () => {
    const a = temperatureSignal(createRandom(11));
    const b = temperatureSignal(createRandom(11));
    for (let i = 0; i < 10; i++) expect(a.next(midnight + i)).toBe(b.next(midnight + i));
  });
});
