import { formatDuration, parseDuration, readDuration } from './duration';

describe('durations', () => {
  it('reads every unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration('1y')).toBe(365 * 86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses what is not a whole number and a unit, naming the form', () => {
    for (const text of ['30', '1.5h', '-1s', 's', '1 day', '1M', '']) expect(readDuration(text)).toBeUndefined();
    expect(() => parseDuration('1 day')).toThrow(/for example 30s, 5m, 7d/);
  });

  it('writes the largest unit that divides', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(604_800_000)).toBe('1w');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(parseDuration(formatDuration(86_400_000 * 3))).toBe(86_400_000 * 3);
  });
});
