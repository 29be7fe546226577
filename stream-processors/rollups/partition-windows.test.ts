import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { mergedWindows, readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const meta = (metric: string, kind: SeriesMeta['kind']): SeriesMeta => ({ path: `/t/s/d/${metric}`, tenant: 't', site: 's', device: 'd', metric, kind });
const energy = meta('energy_kwh', 'energy');
const temp = meta('temperature', 'non_additive');
const T0 = Date.UTC(2026, 0, 1);

function rawPartition(latenessMs = 10_000, idleMs = 60_000) {
  return new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs, idleMs }, 0);
}
const add = (p: ReturnType<typeof rawPartition>, m: SeriesMeta, time: number, value: number, wall = 0) => p.add(m, time, time, { time, value }, wall);

describe('PartitionWindows (readings to 1m)', () => {
  it('closes a window once its series\' event time passed its end plus the lateness, with its final rollup', () => {
    const p = rawPartition();
    add(p, temp, T0 + 1000, 20);
    add(p, temp, T0 + 2000, 22);
    add(p, temp, T0 + minute + 5000, 30);
    expect(p.advance(0)).toEqual([]); // event time T0 + 65 s, less 10 s: the first minute is still open
    add(p, temp, T0 + minute + 10_000, 31);
    const finals = p.advance(0);
    expect(finals).toEqual([
      { meta: temp, windowStart: T0, windowEnd: T0 + minute, final: true, values: expect.objectContaining({ count: 2, sum: 42, first: 20, last: 22 }) },
    ]);
  });

  it('takes a late reading into a window still open, and refuses one for a closed window', () => {
    const p = rawPartition();
    add(p, temp, T0 + 30_000, 1);
    add(p, temp, T0 + minute + 5_000, 2);
    expect(add(p, temp, T0 + 10_000, 3)).toBe('accepted'); // out of order, window open
    add(p, temp, T0 + minute + 20_000, 4);
    expect(p.advance(0)[0]?.values.count).toBe(2);
    expect(add(p, temp, T0 + 40_000, 5)).toBe('late');
  });

  it('calls an input late by the inputs of its series before it, however they were cut into batches', () => {
    const inputs = [T0 + minute + 15_000, T0 + 20_000, T0 + 2 * minute, T0 + 59_000, T0 + minute + 1000];
    const outcomes = (advanceAfter: Set<number>) => {
      const p = rawPartition();
      return inputs.map((time, i) => {
        const outcome = add(p, temp, time, i);
        if (advanceAfter.has(i)) p.advance(0);
        return outcome;
      });
    };
    // the first minute closes once T0 + 70 s is seen; the second stays open
    const expected = ['accepted', 'late', 'accepted', 'late', 'accepted'];
    expect(outcomes(new Set())).toEqual(expected);
    expect(outcomes(new Set([0, 1, 2, 3, 4]))).toEqual(expected);
    expect(outcomes(new Set([2]))).toEqual(expected);
  });

  it('counts a duplicate (same path and time) once', () => {
    const p = rawPartition();
    expect(add(p, temp, T0 + 1000, 20)).toBe('accepted');
    expect(add(p, temp, T0 + 1000, 20)).toBe('duplicate');
    add(p, temp, T0 + 2 * minute, 0);
    expect(p.advance(0)[0]?.values.count).toBe(1);
  });

  it('carries the last energy reading of a closed window into the next one', () => {
    const p = rawPartition(0);
    add(p, energy, T0 + 10_000, 100);
    add(p, energy, T0 + 50_000, 104);
    add(p, energy, T0 + minute + 10_000, 110);
    expect(p.advance(0).map((e) => e.values.delta)).toEqual([4]);
    add(p, energy, T0 + 2 * minute + 1, 111);
    expect(p.advance(0).map((e) => e.values.delta)).toEqual([6]); // 110 - 104, not from zero
  });

  it('provisional rollups chain energy across open windows and are emitted only when changed', () => {
    const p = rawPartition(10 * minute);
    add(p, energy, T0 + 10_000, 100);
    add(p, energy, T0 + minute + 10_000, 105);
    expect(p.provisional().map((e) => [e.windowStart, e.values.delta, e.final])).toEqual([
      [T0, 0, false],
      [T0 + minute, 5, false],
    ]);
    expect(p.provisional()).toEqual([]);
    add(p, energy, T0 + minute + 20_000, 107);
    expect(p.provisional().map((e) => [e.windowStart, e.values.delta])).toEqual([[T0 + minute, 7]]);
  });

  it('emits the provisional rollups of a slice of the series per call, each series in exactly one slice', () => {
    const p = rawPartition(10 * minute);
    const metas = Array.from({ length: 10 }, (_, i) => meta(`m${i}`, 'additive'));
    for (const m of metas) add(p, m, T0 + 1000, 1);
    const slices = [0, 1, 2].map((slice) => p.provisional(slice, 3).map((e) => e.meta.metric));
    expect(slices.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(slices.flat().sort()).toEqual(metas.map((m) => m.metric).sort());
    expect(p.provisional()).toEqual([]);
  });

  it('closes the windows of a quiet series by the wall clock once idle', () => {
    const p = rawPartition(10_000, 5_000);
    add(p, temp, T0 + 1000, 20, 1_000_000);
    expect(p.advance(1_000_000 + 5_000)).toEqual([]);
    // idle for 5 s + 69 s of wall time: T0 + 1 s - 10 s + 69 s passed T0 + 1 min
    expect(p.advance(1_000_000 + 5_000 + 69_000).map((e) => e.windowStart)).toEqual([T0]);
  });

  it('keeps a series with nothing open, so a late reading cannot reopen a window it emitted, and an energy series its carry', () => {
    const p = rawPartition(0);
    add(p, temp, T0 + 1000, 1);
    add(p, energy, T0 + 1000, 1);
    add(p, temp, T0 + minute, 2); // closes the first minute of each
    add(p, energy, T0 + minute, 2);
    p.advance(0);
    p.takeChanged();
    add(p, temp, T0 + 2 * minute, 3);
    add(p, energy, T0 + 2 * minute, 3);
    expect(p.advance(0).map((e) => [e.meta.metric, e.windowStart])).toEqual([['temperature', T0 + minute], ['energy_kwh', T0 + minute]]);
    const changed = new Map(p.takeChanged().series);
    expect(changed.get(temp.path)).toMatchObject({ progress: T0 + 2 * minute, closedThrough: T0 + 2 * minute });
    expect(changed.get(energy.path)?.carry).toEqual({ time: T0 + minute, value: 2 });
    expect(p.seriesCount).toBe(2);
    expect(p.openWindows).toBe(2);
    expect(add(p, temp, T0 + 5000, 9)).toBe('late');
  });
});

describe('PartitionWindows (1m to 1h)', () => {
  const hour = 60 * minute;
  const part = (start: number, revision: number, count: number) => ({
    start,
    revision,
    values: { count, sum: count, min: 1, max: 1, first: 1, firstTime: start, last: 1, lastTime: start + 1, delta: count, resets: 0 },
  });

  it('merges finer windows, replacing a replayed one only by a higher revision', () => {
    const p = new PartitionWindows(mergedWindows, { sizeMs: hour, latenessMs: minute, idleMs: hour }, 0);
    expect(p.add(energy, T0, T0 + minute, part(T0, 5, 2), 0)).toBe('accepted');
    expect(p.add(energy, T0, T0 + minute, part(T0, 5, 2), 0)).toBe('duplicate');
    expect(p.add(energy, T0 + minute, T0 + 2 * minute, part(T0 + minute, 7, 3), 0)).toBe('accepted');
    p.add(energy, T0 + hour + minute, T0 + hour + 2 * minute, part(T0 + hour + minute, 3, 1), 0);
    const [final] = p.advance(0);
    expect(final?.values).toMatchObject({ count: 5, delta: 5 });
    expect(final?.windowEnd).toBe(T0 + hour);
  });
});
