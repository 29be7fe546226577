import { expectedRollups, generateDataset, LATE_MARGIN_MS, seededRandom } from './oracle-dataset';

const minute = 60_000;
const day = 24 * 60 * minute;
const start = Date.UTC(2026, 0, 10, 7, 13);
const options = { seed: 42, start, latenessMs: 30 * minute };

describe('generateDataset', () => {
  const dataset = generateDataset(options);
  const firsts = dataset.readings.filter((r) => r.role === 'reading');

  it('is the same for the same seed and differs for another', () => {
    expect(generateDataset(options)).toEqual(dataset);
    expect(generateDataset({ ...options, seed: 43 }).readings).not.toEqual(dataset.readings);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('has several series of each kind, sampled irregularly over about two days', () => {
    for (const kind of ['energy', 'additive', 'non_additive']) expect(dataset.series.filter((s) => s.kind === kind).length).toBeGreaterThanOrEqual(3);
    const times = firsts.map((r) => r.ts);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(1.9 * day);
    const gaps = new Set<number>();
    for (const s of dataset.series) {
      const ts = firsts.filter((r) => r.path === s.path).map((r) => r.ts);
      ts.forEach((t, i) => i > 0 && gaps.add(Math.round((t - ts[i - 1]!) / 1000)));
      expect(new Set(ts).size).toBe(ts.length); // unique timestamps per series
    }
    expect(gaps.size).toBeGreaterThan(100);
    // several readings in some minutes: windows with more than one reading
    expect([...expectedRollups(firsts, minute).values()].some((w) => w.count >= 3)).toBe(true);
  });

  it('publishes each series in event-time order with local shuffles within the lateness, and duplicates soon after', () => {
    let outOfOrder = 0;
    const newest = new Map<string, number>();
    for (const r of dataset.readings) {
      if (r.role === 'late') continue;
      const before = newest.get(r.path) ?? -Infinity;
      if (r.ts < before) outOfOrder++;
      expect(before - r.ts).toBeLessThan(options.latenessMs / 2);
      newest.set(r.path, Math.max(before, r.ts));
    }
    expect(outOfOrder).toBeGreaterThan(20);
    const duplicates = dataset.readings.filter((r) => r.role === 'duplicate');
    expect(duplicates.length).toBeGreaterThan(10);
    for (const d of duplicates) expect(firsts.find((r) => r.path === d.path && r.ts === d.ts)?.value).toBe(d.value);
  });

  it('resets energy counters now and then', () => {
    const resets = [...expectedRollups(firsts, day).values()].reduce((n, w) => n + w.resets, 0);
    expect(resets).toBeGreaterThanOrEqual(3);
  });

  it('publishes a few readings far beyond the lateness, at unique timestamps', () => {
    const late = dataset.readings.filter((r) => r.role === 'late');
    expect(late.length).toBe(6);
    for (const r of late) {
      expect(r.publishAt - r.ts).toBeGreaterThan(options.latenessMs + dataset.maxGapMs);
      expect(dataset.readings.filter((x) => x.path === r.path && x.ts === r.ts)).toHaveLength(1);
      // the series itself had readings well past the window's end published well before it
      const before = dataset.readings.filter((x) => x.path === r.path && x.role === 'reading' && x.publishAt <= r.publishAt - LATE_MARGIN_MS);
      expect(Math.max(...before.map((x) => x.ts)) - options.latenessMs).toBeGreaterThan(r.ts + minute);
    }
  });

  it('can run one device\'s clock ahead: its readings are stamped that much after the others published beside them, none beyond its own lateness', () => {
    const skewMs = 40 * minute;
    const skewed = generateDataset({ ...options, clockSkewMs: skewMs });
    expect(skewed.readings.filter((r) => r.path.includes('/dev0/'))).toEqual(dataset.readings.filter((r) => r.path.includes('/dev0/')));
    const newestOf = (device: string, upTo: number) => Math.max(...skewed.readings.slice(0, upTo).filter((r) => r.path.includes(`/${device}/`)).map((r) => r.ts));
    const middle = Math.floor(skewed.readings.length / 2);
    // at any point the skewed device is ahead of the others by more than the lateness, so it would make them late in one event time
    expect(newestOf('dev2', middle) - newestOf('dev0', middle)).toBeGreaterThan(options.latenessMs);
    const newest = new Map<string, number>();
    for (const r of skewed.readings.filter((x) => x.role !== 'late')) {
      expect((newest.get(r.path) ?? -Infinity) - r.ts).toBeLessThan(options.latenessMs / 2);
      newest.set(r.path, Math.max(newest.get(r.path) ?? -Infinity, r.ts));
    }
    const late = skewed.readings.filter((r) => r.role === 'late');
    expect(late.length).toBe(6);
    for (const r of late) {
      const before = skewed.readings.filter((x) => x.path === r.path && x.role === 'reading' && x.publishAt <= r.publishAt - LATE_MARGIN_MS);
      expect(Math.max(...before.map((x) => x.ts)) - options.latenessMs).toBeGreaterThan(r.ts + minute);
    }
  });

  it('ends well before its flush readings, which come in three rounds after the last data day', () => {
    const last = Math.max(...dataset.readings.map((r) => r.ts));
    expect(dataset.compareUntil).toBeGreaterThan(last);
    expect(dataset.compareUntil % day).toBe(0);
    expect(dataset.flush).toHaveLength(3);
    for (const round of dataset.flush) expect(round.map((r) => r.path).sort()).toEqual(dataset.series.map((s) => s.path).sort());
    expect(dataset.flush[0]![0]!.ts).toBeGreaterThan(dataset.compareUntil + 60 * minute);
  });
});

describe('expectedRollups', () => {
  it('counts a (path, ts) once and chains energy increments across windows, a decrease counting as a reset', () => {
    const e = (ts: number, value: number) => ({ path: '/e', kind: 'energy' as const, ts, value });
    const w = expectedRollups([e(10_000, 100), e(50_000, 104), e(50_000, 999), e(70_000, 104), e(80_000, 3), e(20_000, 101)], minute);
    expect(w.get('/e@0')).toMatchObject({ count: 3, sum: 305, min: 100, max: 104, first: 100, firstTime: 10_000, last: 104, lastTime: 50_000, delta: 4, resets: 0 });
    expect(w.get(`/e@${minute}`)).toMatchObject({ count: 2, delta: 3, resets: 1, windowEnd: 2 * minute });
    const t = expectedRollups([{ path: '/t', kind: 'non_additive', ts: 5, value: -2 }], minute);
    expect(t.get('/t@0')).toMatchObject({ count: 1, sum: -2, delta: null, resets: 0 });
  });
});
