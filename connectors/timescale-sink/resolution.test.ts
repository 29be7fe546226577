import { resolutionInterval, resolutionMs } from './resolution';

describe('resolution', () => {
  it('turns configured resolutions into lengths and intervals', () => {
    expect(resolutionMs('1m')).toBe(60_000);
    expect(resolutionMs('15m')).toBe(900_000);
    expect(resolutionMs('1d')).toBe(86_400_000);
    expect(resolutionInterval('1h')).toBe('1 hour');
    expect(resolutionInterval('5m')).toBe('5 minutes');
  });

  it('rejects a resolution that is not one', () => {
    expect(() => resolutionMs('1m; drop table x')).toThrow(/is not <number>/);
    expect(() => resolutionMs('0m')).toThrow();
  });
});
