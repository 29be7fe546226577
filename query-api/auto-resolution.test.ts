import { resolutionMs } from '../schemas/resolution';
import { missingRanges, planRange, splitAtBuckets, type Resolution } from './auto-resolution';

const m = 60_000;
const h = 60 * m;
const d = 24 * h;
const resolutions: Resolution[] = ['1m', '1h', '1d'].map((name) => ({ name, durationMs: resolutionMs(name) }));
const day0 = Date.UTC(2024, 0, 1);

function expectExactCover(start: number, end: number): void {
  const pieces = planRange(start, end, resolutions);
  let at = start;
  for (const piece of pieces) {
    expect(piece.start).toBe(at);
    expect(piece.end).toBeGreaterThan(piece.start);
    if (piece.source !== 'raw') {
      const duration = resolutionMs(piece.source);
      expect(piece.start % duration).toBe(0);
      expect(piece.end % duration).toBe(0);
    }
    at = piece.end;
  }
  expect(at).toBe(start === end ? start : end);
}

describe('splitAtBuckets', () => {
  it('keeps an aligned range whole', () => {
    expect(splitAtBuckets(day0, day0 + 3 * d, d)).toEqual({ whole: [day0, day0 + 3 * d] });
  });
  it('cuts ragged edges', () => {
    expect(splitAtBuckets(day0 + 5 * h, day0 + 2 * d + 1, d)).toEqual({ head: [day0 + 5 * h, day0 + d], whole: [day0 + d, day0 + 2 * d], tail: [day0 + 2 * d, day0 + 2 * d + 1] });
  });
  it('gives a range that holds no whole bucket as the head, and an empty range as nothing', () => {
    expect(splitAtBuckets(day0 + h, day0 + 2 * h, d)).toEqual({ head: [day0 + h, day0 + 2 * h] });
    expect(splitAtBuckets(day0, day0, d)).toEqual({});
  });
});

describe('planRange', () => {
  it('answers an aligned year from daily rollups alone', () => {
    expect(planRange(day0, day0 + 366 * d, resolutions)).toEqual([{ source: '1d', start: day0, end: day0 + 366 * d }]);
  });

  it('uses hours, minutes and raw readings at the ragged edges', () => {
    const start = day0 + 22 * h + 30 * m + 15_000;
    const end = day0 + 3 * d + 2 * h + 5 * m + 500;
    expect(planRange(start, end, resolutions)).toEqual([
      { source: 'raw', start, end: day0 + 22 * h + 31 * m },
      { source: '1m', start: day0 + 22 * h + 31 * m, end: day0 + 23 * h },
      { source: '1h', start: day0 + 23 * h, end: day0 + d },
      { source: '1d', start: day0 + d, end: day0 + 3 * d },
      { source: '1h', start: day0 + 3 * d, end: day0 + 3 * d + 2 * h },
      { source: '1m', start: day0 + 3 * d + 2 * h, end: day0 + 3 * d + 2 * h + 5 * m },
      { source: 'raw', start: day0 + 3 * d + 2 * h + 5 * m, end },
    ]);
  });

  it('reads a range shorter than a minute raw, and with no resolutions everything raw', () => {
    expect(planRange(day0 + 1, day0 + 59_000, resolutions)).toEqual([{ source: 'raw', start: day0 + 1, end: day0 + 59_000 }]);
    expect(planRange(day0 + 1, day0 + 5 * d, [])).toEqual([{ source: 'raw', start: day0 + 1, end: day0 + 5 * d }]);
  });

  it('covers any range exactly once, aligned or not', () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const start = day0 + Math.floor(next() * 40 * d);
      const align = [1, 1000, m, h, d][Math.floor(next() * 5)] as number;
      const end = start + Math.floor((next() * 30 * d) / align) * align;
      expectExactCover(start, end);
    }
  });
});

describe('missingRanges', () => {
  it('merges runs of absent buckets', () => {
    const present = [day0, day0 + 3 * h, day0 + 4 * h];
    expect(missingRanges(day0, day0 + 7 * h, h, present)).toEqual([
      [day0 + h, day0 + 3 * h],
      [day0 + 5 * h, day0 + 7 * h],
    ]);
  });
  it('finds nothing missing when every bucket is there', () => {
    expect(missingRanges(day0, day0 + 3 * d, d, [day0, day0 + d, day0 + 2 * d])).toEqual([]);
  });
});
