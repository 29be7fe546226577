import { latencyPercentiles, median, medianAndRange, quantile, quantilePerSecond, summarize, summarizeFields } from './stats';

describe('benchmark statistics', () => {
  test('the median of an odd and an even number of values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test('quantiles interpolate between order statistics', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10, 20], 0.9)).toBeCloseTo(19, 10);
    expect(quantile([7], 0.99)).toBe(7);
  });

  test('a summary carries median, min-max and the interquartile range', () => {
    expect(summarize([9, 1, 5, 3, 7])).toEqual({ n: 5, median: 5, min: 1, max: 9, q1: 3, q3: 7, iqr: 4 });
  });

  test('latency percentiles of 1..1000 ms', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const p = latencyPercentiles(samples);
    expect(p.p50).toBeCloseTo(500.5, 6);
    expect(p.p99).toBeCloseTo(990.01, 6);
    expect(p.p999).toBeCloseTo(999.001, 6);
    expect([p.min, p.max, p.n]).toEqual([1, 1000, 1000]);
  });

  test('every numeric field of the repetitions is summarized', () => {
    const s = summarizeFields([{ rate: 10, name: 'a' }, { rate: 30, name: 'b' }, { rate: 20, name: 'c' }]);
    expect(Object.keys(s)).toEqual(['rate']);
    expect(s.rate?.median).toBe(20);
  });
});

describe('quantilePerSecond', () => {
  test('takes the quantile of each second from `from`, leaving out samples outside [from, to)', () => {
    const at = [999, 1000, 1500, 1999, 2000, 3500, 4000];
    const values = [99, 10, 20, 30, 7, 8, 99];
    expect(quantilePerSecond(values, at, 1, 1000, 4000)).toEqual([
      { second: 0, value: 30 },
      { second: 1, value: 7 },
      { second: 2, value: 8 },
    ]);
  });
});

describe('medianAndRange', () => {
  it('writes the median and the range, rounded', () => {
    expect(medianAndRange({ median: 11439.6, min: 10362.4, max: 12516.8 })).toBe('11440 (10362-12517)');
  });
});
