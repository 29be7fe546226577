import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { BLOCK_KEY, ChangelogReader, changelogRecords, RESTORE_MARKER, type ChangelogRecord } from './state-changelog';
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

  it('writes what the windows took since the last commit in one block, once, and nothing of the windows that took nothing', () => {
    const p = partition(10 * minute);
    for (let s = 0; s < 50; s++) add(p, temp, T0 + s * 1000, s); // minute 0
    add(p, temp, T0 + minute + 1000, 1); // minute 1
    add(p, energy, T0 + minute + 1000, 100);
    expect(changelogRecords(p.takeChanged()).map((r) => r.key)).toEqual([temp.path, energy.path, `${BLOCK_KEY}0`]);
    for (let s = 2; s < 10; s++) add(p, temp, T0 + minute + s * 1000, s);
    add(p, energy, T0 + minute + 2000, 101);
    const records = changelogRecords(p.takeChanged());
    // block 1: minute 1 of both; not the series (their event time crossed no window end) nor minute 0 (open, unchanged)
    expect(records.map((r) => r.key)).toEqual([`${BLOCK_KEY}1`]);
    expect(JSON.parse(records[0]!.value!)).toEqual([
      [temp.path, T0 + minute, [2, 3, 4, 5, 6, 7, 8, 9].flatMap((s) => [T0 + minute + s * 1000, s])], // time, value, ...
      [energy.path, T0 + minute, [T0 + minute + 2000, 101]],
    ]);
    expect(changelogRecords(p.takeChanged())).toEqual([]);
  });

  it('deletes a block once every window with an entry in it closed, and writes none for a window opened and closed between two commits', () => {
    const p = partition();
    add(p, temp, T0 + 1000, 1);
    add(p, energy, T0 + 1000, 100);
    p.takeChanged(); // block 0: minute 0 of both
    add(p, temp, T0 + 2 * minute, 2);
    p.advance(0);
    add(p, temp, T0 + 4 * minute, 3);
    p.advance(0);
    const first = changelogRecords(p.takeChanged());
    // the temperature's minute 0 closed, the energy's is open: block 0 stays
    expect(first.filter((r) => r.value === null)).toEqual([]);
    expect(JSON.parse(first.find((r) => r.key === `${BLOCK_KEY}1`)!.value!)).toEqual([[temp.path, T0 + 4 * minute, [T0 + 4 * minute, 3]]]);
    add(p, energy, T0 + 3 * minute, 103);
    p.advance(0);
    const second = changelogRecords(p.takeChanged());
    expect(second.filter((r) => r.value === null).map((r) => r.key)).toEqual([`${BLOCK_KEY}0`]);
  });

  it('a restore drops the entries of windows closed before the state was saved, and deletes blocks only those held', () => {
    const p = partition();
    const log: ChangelogRecord[] = [];
    add(p, temp, T0 + 1000, 1);
    add(p, energy, T0 + 1000, 100);
    log.push(...changelogRecords(p.takeChanged())); // block 0
    add(p, temp, T0 + 30_000, 2);
    log.push(...changelogRecords(p.takeChanged())); // block 1: the temperature's minute 0 only
    add(p, temp, T0 + 2 * minute, 3);
    p.advance(0); // the temperature's minute 0 closes; block 1 goes, block 0 stays for the energy's
    log.push(...changelogRecords(p.takeChanged()));
    expect(log.filter((r) => r.value === null).map((r) => r.key)).toEqual([`${BLOCK_KEY}1`]);
    for (const form of [log, compacted(log)]) {
      const q = restoredFrom(form);
      expect(q.openWindows).toBe(p.openWindows);
      // nothing to delete, and the next block is a new one
      add(q, energy, T0 + 2000, 101);
      expect(changelogRecords(q.takeChanged()).map((r) => r.key)).toEqual([`${BLOCK_KEY}3`]);
      add(q, energy, T0 + 3 * minute, 110);
      add(q, temp, T0 + 4 * minute, 4);
      expect(q.advance(0).map((e) => [e.meta.metric, e.windowStart, e.values.count])).toEqual([
        ['energy_kwh', T0, 2],
        ['temperature', T0 + 2 * minute, 1],
      ]);
    }
    // a block whose windows all closed while its tombstone was not written yet: deleted after the restore
    const orphan = restoredFrom([...log.slice(0, 4), { key: temp.path, value: JSON.stringify({ meta: temp, carry: null, progress: T0 + 2 * minute, closedThrough: T0 + minute, emittedThrough: T0 + minute }) }]);
    expect(changelogRecords(orphan.takeChanged()).filter((r) => r.value === null).map((r) => r.key)).toEqual([`${BLOCK_KEY}1`]);
  });

  it('a series back after leaving memory does not take the entries of its earlier life that a block still holds', () => {
    const log: ChangelogRecord[] = [];
    const p = new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs: 0, idleMs: minute, horizonMs: minute }, 0);
    p.add(temp, T0 + 1000, T0 + 1000, { time: T0 + 1000, value: 1 }, 0);
    p.add(energy, T0 + 1000, T0 + 1000, { time: T0 + 1000, value: 100 }, 0);
    log.push(...changelogRecords(p.takeChanged())); // block 0
    // the temperature's window closes by the wall clock, and its series leaves memory; energy goes on
    p.add(energy, T0 + 2000, T0 + 2000, { time: T0 + 2000, value: 101 }, T0 + 5 * minute - 10_000);
    p.advance(T0 + 5 * minute);
    expect(p.seriesCount).toBe(1);
    log.push(...changelogRecords(p.takeChanged()));
    p.add(temp, T0 + 5 * minute, T0 + 5 * minute, { time: T0 + 5 * minute, value: 5 }, T0 + 5 * minute);
    log.push(...changelogRecords(p.takeChanged()));
    // what the changelog says of the temperature now: its new series, with block 0 still there for the energy's window
    const q = restoredFrom(log);
    expect(q.openWindows).toBe(2);
    q.add(temp, T0 + 7 * minute, T0 + 7 * minute, { time: T0 + 7 * minute, value: 7 }, T0 + 7 * minute);
    const finals = q.advance(T0 + 7 * minute).filter((e) => e.meta.metric === 'temperature');
    expect(finals.map((e) => [e.windowStart, e.values.count, e.values.first])).toEqual([[T0 + 5 * minute, 1, 5]]);
  });

  it('saves a window anew, whole, in one block once it has entries in 64, and lets the others go', () => {
    const p = partition(10 * minute);
    const log: ChangelogRecord[] = [];
    for (let s = 0; s < 64; s++) {
      add(p, temp, T0 + s * 100, s);
      log.push(...changelogRecords(p.takeChanged()));
    }
    expect(log.filter((r) => r.value === null)).toEqual([]);
    add(p, temp, T0 + 6400, 64);
    const records = changelogRecords(p.takeChanged());
    expect(records.filter((r) => r.value === null).map((r) => r.key)).toEqual(Array.from({ length: 64 }, (_, id) => `${BLOCK_KEY}${id}`));
    const [saved] = records.filter((r) => r.value !== null);
    expect(JSON.parse(saved!.value!)).toEqual([[temp.path, T0, Array.from({ length: 65 }, (_, s) => [T0 + s * 100, s]).flat()]]);
    const q = restoredFrom([...log, ...records]);
    add(q, temp, T0 + 20 * minute, 0);
    expect(q.advance(0)[0]!.values).toMatchObject({ count: 65, sum: (64 * 65) / 2 });
  });

  it('cuts a large commit into blocks of about 256 KiB of JSON', () => {
    const p = partition(10 * minute);
    const many = 20_000;
    for (let i = 0; i < many; i++) add(p, meta(`m${i}`, 'non_additive'), T0 + 1000, i);
    const blocks = changelogRecords(p.takeChanged()).filter((r) => r.key.startsWith(BLOCK_KEY));
    expect(blocks.length).toBeGreaterThan(1);
    for (const b of blocks) expect(b.value!.length).toBeLessThan(300 * 1024);
    expect(blocks.reduce((n, b) => n + (JSON.parse(b.value!) as unknown[]).length, 0)).toBe(many);
  });

  it('reads the per-window form: a window is restored from its chunk records, which are deleted when it closes', () => {
    const old = [
      { key: temp.path, value: JSON.stringify({ meta: temp, carry: null, progress: T0 + 2000, closedThrough: T0 - minute }) },
      { key: `${temp.path}\u0000${T0}\u00000`, value: JSON.stringify([T0 + 1000, 1]) },
      { key: `${temp.path}\u0000${T0}\u00001`, value: JSON.stringify([T0 + 2000, 2]) },
    ];
    const q = restoredFrom(old);
    add(q, temp, T0 + 3000, 3);
    expect(changelogRecords(q.takeChanged()).map((r) => r.key)).toEqual([temp.path, `${BLOCK_KEY}0`]);
    add(q, temp, T0 + 2 * minute, 4);
    expect(q.advance(0)[0]!.values).toMatchObject({ count: 3, sum: 6 });
    expect(
      changelogRecords(q.takeChanged())
        .filter((r) => r.value === null)
        .map((r) => r.key),
    ).toEqual([`${BLOCK_KEY}0`, `${temp.path}\u0000${T0}\u00000`, `${temp.path}\u0000${T0}\u00001`]);
  });

  it('reads series records of the first form (windows inside) and writes them anew', () => {
    const old = [
      { key: '\u0000partition', value: JSON.stringify({ watermark: T0, maxProgress: T0 }) },
      { key: energy.path, value: JSON.stringify({ meta: energy, carry: { time: T0 - 1000, value: 90 }, windows: [[T0, [[T0 + 1000, 100]]]] }) },
    ];
    const q = restoredFrom(old);
    const rewritten = changelogRecords(q.takeChanged());
    expect(rewritten.map((r) => r.key)).toEqual([energy.path, `${BLOCK_KEY}0`]);
    // the partition's watermark becomes the series' own
    expect(JSON.parse(rewritten[0]!.value!)).toEqual({ meta: energy, carry: { time: T0 - 1000, value: 90 }, progress: T0, closedThrough: T0, emittedThrough: null, since: 0 });
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
    expect(rewritten.map((r) => r.key).sort()).toEqual([energy.path, temp.path, `${BLOCK_KEY}0`].sort());
    expect(JSON.parse(rewritten.find((r) => r.key === energy.path)!.value!)).toMatchObject({ progress: T0 + 6 * minute, closedThrough: T0 + 5 * minute });
    // the energy series' open window closes by its own event time, from its carry: the late 1 at T0 + 4 min 1 s, newer than the saved one
    add(q, energy, T0 + 7 * minute, 100);
    expect(q.advance(0).map((e) => [e.meta.metric, e.windowStart, e.values.delta])).toEqual([['energy_kwh', T0 + 5 * minute, 94]]);
  });
});
