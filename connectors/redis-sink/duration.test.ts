import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('parses horizons', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('2y')).toBe(730 * 86_400_000);
    expect(() => parseDuration('2 years')).toThrow(/not <number>/);
  });
});
