import { cascadeProblem, parseResolution, readResolution, windowStartOf } from './resolution';

describe('resolutions', () => {
  it('reads names into lengths and PostgreSQL intervals', () => {
    expect(parseResolution('1m')).toEqual({ name: '1m', ms: 60_000, interval: '1 minute' });
    expect(parseResolution('15m')).toEqual({ name: '15m', ms: 900_000, interval: '15 minutes' });
    expect(parseResolution('1d')).toEqual({ name: '1d', ms: 86_400_000, interval: '1 day' });
  });

  it('refuses what is not a whole number of s, m, h or d, or does not divide a day', () => {
    for (const name of ['1w', '0m', '01m', '1.5h', 'm', '1 minute', '500ms']) expect(typeof readResolution(name)).toBe('string');
    expect(readResolution('7m')).toMatch(/divide a day/);
    expect(readResolution('2d')).toMatch(/divide a day/);
  });

  it('aligns windows to the epoch, before it too', () => {
    expect(windowStartOf(90_000, 60_000)).toBe(60_000);
    expect(windowStartOf(-1, 60_000)).toBe(-60_000);
  });

  it('wants each resolution a whole multiple of the one before', () => {
    expect(cascadeProblem(['1m', '1h', '1d'])).toBeUndefined();
    expect(cascadeProblem(['1h', '1m'])).toMatch(/1m must be a whole multiple of 1h/);
    expect(cascadeProblem(['4m', '6m'])).toMatch(/multiple/);
  });
});
