import { emptyPartial } from './aggregate';
import type { SpanSummary } from './range-reader';
import { bucketsStartingIn, rollupRanges } from './too-old-readings';

const m = 60_000;
const h = 60 * m;
const span = (source: string, start: number, end: number): SpanSummary => ({ ...emptyPartial, source, start, end });

describe('rollupRanges', () => {
  it('joins adjacent rollup buckets of any resolution and leaves raw spans out', () => {
    const spans = [
      span('raw', 3 * m + 17, 3 * m + 18),
      span('1m', 4 * m, 5 * m),
      span('1m', 59 * m, h),
      span('1h', h, 2 * h),
      span('1h', 2 * h, 3 * h),
      span('raw', 3 * h, 3 * h + 5 * m),
      span('1m', 3 * h + 5 * m, 3 * h + 6 * m),
    ];
    expect(rollupRanges(spans)).toEqual([
      [4 * m, 5 * m],
      [59 * m, 3 * h],
      [3 * h + 5 * m, 3 * h + 6 * m],
    ]);
  });

  it('is empty for an answer read from raw rows only', () => {
    expect(rollupRanges([span('raw', 0, h)])).toEqual([]);
    expect(rollupRanges([])).toEqual([]);
  });
});

describe('bucketsStartingIn', () => {
  it('covers every bucket whose start is in the range, to the end of the last one', () => {
    expect(bucketsStartingIn(h, 3 * h, h)).toEqual([[h, 3 * h]]);
    expect(bucketsStartingIn(h + 1, 3 * h + 1, h)).toEqual([[2 * h, 4 * h]]);
  });

  it('is empty when no bucket starts in the range', () => {
    expect(bucketsStartingIn(h + 1, 2 * h, h)).toEqual([]);
    expect(bucketsStartingIn(h + 1, h + 2, h)).toEqual([]);
  });
});
