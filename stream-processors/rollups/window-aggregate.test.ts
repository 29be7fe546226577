import { mergeWindows, ReadingWindow, revisionOf, summarizeReadings, type RollupValues } from './window-aggregate';

const r = (time: number, value: number) => ({ time, value });

describe('ReadingWindow', () => {
  it('counts a duplicate (same time) once, keeping the first value', () => {
    const w = new ReadingWindow();
    expect(w.add(2, 20)).toBe(true);
    expect(w.add(1, 10)).toBe(true);
    expect(w.add(2, 99)).toBe(false);
    expect(w.sorted()).toEqual([r(1, 10), r(2, 20)]);
  });
});

describe('summarizeReadings', () => {
  it('gives sum, count, min, max, first and last for a gauge, and no delta', () => {
    expect(summarizeReadings('non_additive', [r(1, 20), r(2, 24), r(3, 19)], undefined)).toEqual({
      count: 3, sum: 63, min: 19, max: 24, first: 20, firstTime: 1, last: 19, lastTime: 3, delta: null, resets: 0,
    });
  });

  it('energy: increments from the previous reading, the first ever counts 0', () => {
    expect(summarizeReadings('energy', [r(1, 100), r(2, 103), r(3, 110)], undefined)).toMatchObject({ delta: 10, resets: 0 });
    expect(summarizeReadings('energy', [r(1, 100), r(2, 103)], r(0, 95))).toMatchObject({ delta: 8 });
  });

  it('energy: a decrease is a reset whose increment is the new value', () => {
    // 100 -> 104 (+4), reset to 3 (+3), 3 -> 5 (+2)
    expect(summarizeReadings('energy', [r(1, 104), r(2, 3), r(3, 5)], r(0, 100))).toMatchObject({ delta: 9, resets: 1 });
  });

  it('energy: a reset on the first reading of a window is measured against the previous window', () => {
    expect(summarizeReadings('energy', [r(5, 2)], r(4, 500))).toMatchObject({ delta: 2, resets: 1 });
  });
});

describe('mergeWindows', () => {
  const a: RollupValues = { count: 2, sum: 10, min: 4, max: 6, first: 4, firstTime: 10, last: 6, lastTime: 20, delta: 2, resets: 0 };
  const b: RollupValues = { count: 3, sum: 30, min: 9, max: 11, first: 11, firstTime: 70, last: 9, lastTime: 90, delta: 5, resets: 1 };

  it('adds counts, sums, deltas and resets, and takes first, last, min and max across parts in any order', () => {
    expect(mergeWindows('energy', [b, a])).toEqual({ count: 5, sum: 40, min: 4, max: 11, first: 4, firstTime: 10, last: 9, lastTime: 90, delta: 7, resets: 1 });
  });

  it('keeps delta null for kinds that have none', () => {
    expect(mergeWindows('additive', [{ ...a, delta: null }, { ...b, delta: null, resets: 0 }])).toMatchObject({ delta: null, sum: 40 });
  });

  it('equals summarizing all the readings at once', () => {
    const readings = [r(1, 10), r(2, 12), r(3, 1), r(4, 3), r(5, 8)];
    const whole = summarizeReadings('energy', readings, r(0, 9));
    const first = summarizeReadings('energy', readings.slice(0, 2), r(0, 9));
    const second = summarizeReadings('energy', readings.slice(2), readings[1]);
    expect(mergeWindows('energy', [first, second])).toEqual(whole);
  });
});

describe('revisionOf', () => {
  it('orders provisional before final and more readings after fewer', () => {
    expect(revisionOf(3, false)).toBeLessThan(revisionOf(3, true));
    expect(revisionOf(3, true)).toBeLessThan(revisionOf(4, false));
  });
});
