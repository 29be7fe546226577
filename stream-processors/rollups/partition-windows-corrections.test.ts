import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { ChangelogReader, changelogRecords } from './state-changelog';
import { readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const day = 24 * 60 * minute;
const T0 = Date.UTC(2026, 0, 1);
const meter = (device: string): SeriesMeta => ({ path: `/t/s/${device}/energy_kwh`, tenant: 't', site: 's', device, metric: 'energy_kwh', kind: 'energy' });
const a = meter('a');

type Windows = PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>;
function rawPartition(horizonMs = 7 * day): Windows {
  return new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs: 0, idleMs: minute, horizonMs }, 0);
}
const add = (p: Windows, time: number, value: number, wall = 0) => p.add(a, time, time, { time, value }, wall);

describe('PartitionWindows: what the corrections need', () => {
  it('a late energy reading newer than the carry becomes the carry: the next open window increments from it', () => {
    const p = rawPartition();
    add(p, T0 + 10_000, 100);
    add(p, T0 + minute + 10_000, 110);
    expect(p.advance(0).map((e) => e.values.delta)).toEqual([0]);
    // late for the closed first window, after its last reading
    expect(add(p, T0 + 50_000, 104)).toBe('late');
    // an older late reading does not move the carry back
    expect(add(p, T0 + 5_000, 99)).toBe('late');
    add(p, T0 + 2 * minute + 1000, 111);
    const [second] = p.advance(0);
    expect(second).toMatchObject({ windowStart: T0 + minute, values: { delta: 6 } });
  });

  it('a late energy reading that becomes the carry has the open window after it published again with its new increment', () => {
    const p = rawPartition();
    add(p, T0 + 10_000, 100);
    add(p, T0 + minute + 10_000, 110);
    p.advance(0);
    expect(p.provisional().map((e) => e.values.delta)).toEqual([10]);
    expect(p.provisional()).toEqual([]);
    expect(add(p, T0 + 50_000, 104)).toBe('late');
    expect(p.provisional().map((e) => [e.windowStart - T0, e.final, e.values.delta])).toEqual([[minute, false, 6]]);
  });

  it('a reading for a window its series closed but has not emitted yet goes into that window, and the carry stays in order', () => {
    const p = rawPartition();
    add(p, T0 + 10_000, 100);
    add(p, T0 + minute + 10_000, 110);
    // the series moves past the second window: both are closed, neither emitted yet
    add(p, T0 + 2 * minute + 10_000, 120);
    // for the held second window, after its reading: not late, it belongs there
    expect(add(p, T0 + minute + 50_000, 114)).toBe('accepted');
    // for the held first window
    expect(add(p, T0 + 40_000, 104)).toBe('accepted');
    const finals = p.advance(0);
    expect(finals.map((e) => [e.windowStart - T0, e.values.delta])).toEqual([
      [0, 4],
      [minute, 10],
    ]);
    add(p, T0 + 3 * minute + 10_000, 121);
    expect(p.advance(0).map((e) => e.values.delta)).toEqual([6]);
  });

  it('a late reading for an emitted window before a held one does not become the carry the held one is closed with', () => {
    const p = rawPartition();
    add(p, T0 + 10_000, 100);
    add(p, T0 + 3 * minute + 10_000, 130);
    p.advance(0);
    // now the window at 3 min is held; the series jumps past it (closed, not emitted)
    add(p, T0 + 5 * minute + 10_000, 150);
    // a reading for the emitted-and-empty window at 1 min: late, and the carry for the held window at 3 min
    expect(add(p, T0 + minute + 10_000, 110)).toBe('late');
    // a reading for the never-opened window at 4 min, after the held one: not emitted, so taken
    expect(add(p, T0 + 4 * minute + 10_000, 140)).toBe('accepted');
    const finals = p.advance(0);
    expect(finals.map((e) => [e.windowStart - T0, e.values.delta])).toEqual([
      [3 * minute, 20],
      [4 * minute, 10],
    ]);
  });

  it('the first window an energy series closes is to be recomputed, for its carry may be stored: once, and after a restore too', () => {
    const p = rawPartition();
    add(p, T0 + 10_000, 100);
    add(p, T0 + minute + 10_000, 110);
    p.advance(0);
    expect(p.takeRecompute().map((e) => e.windowStart)).toEqual([T0]);
    // the state saved as it is now, read back
    const reader = new ChangelogReader();
    for (const r of changelogRecords(p.takeChanged())) reader.read(r.key, r.value === null ? null : Buffer.from(r.value));
    const restored = rawPartition();
    reader.restoreInto(restored);
    add(restored, T0 + 2 * minute + 10_000, 120);
    restored.advance(0);
    expect(restored.takeRecompute()).toEqual([]);
    add(p, T0 + 2 * minute + 10_000, 120);
    p.advance(0);
    expect(p.takeRecompute()).toEqual([]);
  });

  it('a series whose windows all closed before the horizon leaves memory and the changelog; back, it starts anew', () => {
    const p = rawPartition(day);
    add(p, T0 + 10_000, 100, T0);
    add(p, T0 + minute + 10_000, 110, T0);
    p.advance(T0);
    p.takeChanged();
    // idle: its last window closes by the wall clock; the series stays while its windows are within the horizon
    p.advance(T0 + 10 * minute);
    expect(p.seriesCount).toBe(1);
    p.advance(T0 + day + 2 * minute);
    expect(p.seriesCount).toBe(1);
    p.advance(T0 + day + 4 * minute);
    expect(p.seriesCount).toBe(0);
    expect(p.takeChanged().evicted).toEqual([a.path]);
    expect(changelogRecords({ series: [], evicted: [a.path], blocks: [], released: [], closedLegacy: [] })).toEqual([{ key: a.path, value: null }]);
    // back with a reading for a new window: a new series whose first window is recomputed once closed
    expect(add(p, T0 + day + 4 * minute, 130, T0 + day + 4 * minute)).toBe('accepted');
    expect(p.takeChanged().evicted).toEqual([]);
  });
});
