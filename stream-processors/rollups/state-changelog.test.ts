import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { ChangelogReader, changelogRecords, RESTORE_MARKER, type ChangelogRecord } from './state-changelog';
import { readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const meta = (metric: string, kind: SeriesMeta['kind']): SeriesMeta => ({ path: `/t/s/d/${metric}`, tenant: 't', site: 's', device: 'd', metric, kind });
const energy = meta('energy_kwh', 'energy');
const temp = meta('temperature', 'non_additive');
const partition = (latenessMs = 0) => new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs, idleMs: 60 * minute }, 0);
const add = (p: ReturnType<typeof partition>, m: SeriesMeta, time: number, value: number) => p.add(m, time, time, { time, value }, 0);

/** What a compacted topic keeps of `records`: the latest of each key, in the order of those latest records. */
function compacted(records: ChangelogRecord[]): ChangelogRecord[] {
  const latest = new Map<string, number>();
  records.forEach((r, i) => latest.set(r.key, i));
  return records.filter((r, i) => latest.get(r.key) === i);
}

function restoredFrom(records: ChangelogRecord[], latenessMs = 0): ReturnType<typeof partition> {
  const reader = new ChangelogReader();
  for (const r of records) reader.read(r.key, r.value === null ? null : Buffer.from(r.value));
  const q = partition(latenessMs);
  reader.restoreInto(q);
  return q;
}

describe('state changelog', () => {
  it('restores the state its records describe, after compaction too', () => {
    const build = () => {
      const p = partition();
      const log: ChangelogRecord[] = [];
      const commit = () => log.push(...changelogRecords(p.takeChanged()));
      add(p, energy, T0 + 10_000, 100);
      add(p, temp, T0 + 20_000, 20);
      commit();
      add(p, energy, T0 + minute + 10_000, 110);
      p.advance(0);
      commit();
      add(p, energy, T0 + minute + 20_000, 111);
      commit();
      log.push({ key: `${RESTORE_MARKER}x`, value: null });
      return { p, log };
    };
    // compaction keeps one record per key, and may leave a window's record before its series': in any order
    for (const form of [(log: ChangelogRecord[]) => log, compacted, (log: ChangelogRecord[]) => compacted(log).reverse()]) {
      const { p, log } = build();
      const q = restoredFrom(form(log));
      expect(q.seriesCount).toBe(p.seriesCount);
      for (const x of [p, q]) add(x, energy, T0 + 2 * minute + 1, 115);
      expect(q.advance(0)).toEqual(p.advance(0));
      expect(add(q, energy, T0 + 5000, 1)).toBe('late');
    }
  });

  it('writes what each window took since the last commit, once, and nothing of the windows that took nothing', () => {
    const p = partition(10 * minute);
    for (let s = 0; s < 50; s++) add(p, temp, T0 + s * 1000, s); // minute 0
    add(p, temp, T0 + minute + 1000, 1); // minute 1
    p.takeChanged();
    for (let s = 2; s < 10; s++) add(p, temp, T0 + minute + s * 1000, s);
    const records = changelogRecords(p.takeChanged());
    // chunk 1 of minute 1; not the series (its event time crossed no window end) nor minute 0 (open, unchanged)
    expect(records.map((r) => r.key)).toEqual([`${temp.path}\u0000${T0 + minute}\u00001`]);
    expect(JSON.parse(records[0]!.value!)).toEqual([2, 3, 4, 5, 6, 7, 8, 9].flatMap((s) => [T0 + minute + s * 1000, s])); // time, value, ...
    expect(changelogRecords(p.takeChanged())).toEqual([]);
  });

  it('tombstones every chunk of a closed window, and writes none for a window opened and closed between two commits', () => {
    const p = partition();
    add(p, temp, T0 + 1000, 1);
    p.takeChanged();
    add(p, temp, T0 + 2 * minute, 2);
    p.advance(0);
    add(p, temp, T0 + 4 * minute, 3);
    p.advance(0);
    const records = changelogRecords(p.takeChanged());
    expect(records.filter((r) => r.value === null).map((r) => r.key)).toEqual([`${temp.path}\u0000${T0}\u00000`]);
    expect(records.find((r) => r.key === `${temp.path}\u0000${T0 + 4 * minute}\u00000`)?.value).toBe(JSON.stringify([T0 + 4 * minute, 3]));
  });

  it('reads series records of the first form (windows inside) and writes them anew', () => {
    const old = [
      { key: '\u0000partition', value: JSON.stringify({ watermark: T0, maxProgress: T0 }) },
      { key: energy.path, value: JSON.stringify({ meta: energy, carry: { time: T0 - 1000, value: 90 }, windows: [[T0, [[T0 + 1000, 100]]]] }) },
    ];
    const q = restoredFrom(old);
    const rewritten = changelogRecords(q.takeChanged());
    expect(rewritten.map((r) => r.key)).toEqual([energy.path, `${energy.path}\u0000${T0}\u00000`]);
    // the partition's watermark becomes the series' own
    expect(JSON.parse(rewritten[0]!.value!)).toEqual({ meta: energy, carry: { time: T0 - 1000, value: 90 }, progress: T0, closedThrough: T0 });
    // the old record, then the new ones: the same state
    const r = restoredFrom([...old, ...rewritten]);
    add(r, energy, T0 + 2 * minute, 105);
    expect(r.advance(0).map((e) => [e.windowStart, e.values.delta])).toEqual([[T0, 10]]);
  });

  it('restores each series\' event time: after a restore, a series ahead still closes nothing of another', () => {
    const p = partition(2 * minute);
    const log: ChangelogRecord[] = [];
    add(p, temp, T0 + 10 * minute, 1);
    add(p, energy, T0 + 30_000, 100);
    p.advance(0);
    log.push(...changelogRecords(p.takeChanged()));
    add(p, energy, T0 + 3 * minute + 10_000, 104); // crosses T0 + 1 min; saved before any advance closed the window
    log.push(...changelogRecords(p.takeChanged()));
    const saved = new Map(log.filter((r) => !r.key.includes('\u0000')).map((r) => [r.key, JSON.parse(r.value!) as Record<string, unknown>]));
    expect(saved.get(temp.path)).toMatchObject({ progress: T0 + 10 * minute, closedThrough: T0 + 8 * minute });
    expect(saved.get(energy.path)).toMatchObject({ progress: T0 + 3 * minute + 10_000, closedThrough: T0 + minute });

    const q = restoredFrom(log, 2 * minute);
    expect(q.advance(0)).toEqual(p.advance(0));
    for (const x of [p, q]) {
      expect(add(x, energy, T0 + 50_000, 1)).toBe('late');
      expect(add(x, energy, T0 + 2 * minute, 103)).toBe('accepted');
      expect(add(x, temp, T0 + 7 * minute, 1)).toBe('late');
      expect(add(x, temp, T0 + 9 * minute, 1)).toBe('accepted');
      add(x, energy, T0 + 5 * minute, 110);
      add(x, temp, T0 + 12 * minute, 1);
    }
    const finals = q.advance(0);
    expect(finals).toEqual(p.advance(0));
    // the late reading (1 at T0 + 50 s) became the carry: 103 is an increment of 102 from it
    expect(finals.map((e) => [e.meta.metric, e.windowStart, e.values.delta])).toEqual([
      ['energy_kwh', T0 + 2 * minute, 102],
      ['temperature', T0 + 9 * minute, null],
    ]);
  });

  it('reads the per-partition form: what its watermark closed stays closed for every series, even one it had forgotten', () => {
    const old = [
      { key: '\u0000partition', value: JSON.stringify({ watermark: T0 + 5 * minute, maxProgress: T0 + 6 * minute }) },
      { key: energy.path, value: JSON.stringify({ meta: energy, carry: { time: T0 + 4 * minute, value: 90 } }) },
      { key: `${energy.path}\u0000${T0 + 5 * minute}\u00000`, value: JSON.stringify([T0 + 5 * minute + 1000, 95]) },
    ];
    const q = restoredFrom(old, minute);
    expect(add(q, energy, T0 + 4 * minute + 1000, 1)).toBe('late');
    expect(add(q, temp, T0 + 3 * minute, 1)).toBe('late'); // a gauge series the old form had forgotten
    expect(add(q, temp, T0 + 5 * minute + 2000, 20)).toBe('accepted');
    // written anew with the series' own event time; the partition record is not written again
    const rewritten = changelogRecords(q.takeChanged());
    expect(rewritten.map((r) => r.key).sort()).toEqual([energy.path, temp.path, `${temp.path}\u0000${T0 + 5 * minute}\u00000`].sort());
    expect(JSON.parse(rewritten.find((r) => r.key === energy.path)!.value!)).toMatchObject({ progress: T0 + 6 * minute, closedThrough: T0 + 5 * minute });
    // the energy series' open window closes by its own event time, from its carry: the late 1 at T0 + 4 min 1 s, newer than the saved one
    add(q, energy, T0 + 7 * minute, 100);
    expect(q.advance(0).map((e) => [e.meta.metric, e.windowStart, e.values.delta])).toEqual([['energy_kwh', T0 + 5 * minute, 94]]);
  });
});
