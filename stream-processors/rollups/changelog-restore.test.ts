import { RestoreProgress } from './changelog-restore';
import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { changelogRecords, RESTORE_MARKER } from './state-changelog';
import { readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const meta = (device: string): SeriesMeta => ({ path: `/t/s/${device}/temperature`, tenant: 't', site: 's', device, metric: 'temperature', kind: 'non_additive' });
const partition = () => new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs: 0, idleMs: 60 * minute }, 0);

/** The changelog records of a partition that took one reading of `device`. */
function savedState(device: string, value: number) {
  const state = partition();
  state.add(meta(device), T0 + 1000, T0 + 1000, { time: T0 + 1000, value }, 0);
  return changelogRecords(state.takeChanged()).map((r) => ({ key: r.key, value: r.value === null ? null : Buffer.from(r.value) }));
}

describe('changelog restore', () => {
  it('rebuilds each partition from its records before its marker, and is done once every marker was read', () => {
    const progress = new RestoreProgress([0, 2], 'marker');
    for (const r of savedState('d0', 20)) expect(progress.read(0, r.key, r.value)).toBe(false);
    expect(progress.read(0, 'marker', null)).toBe(false);
    // after its marker: a later commit's, not part of what is restored
    for (const r of savedState('late', 1)) progress.read(0, r.key, r.value);
    // a partition not being restored
    for (const r of savedState('other', 1)) progress.read(1, r.key, r.value);
    for (const r of savedState('d2', 30)) progress.read(2, r.key, r.value);
    expect(progress.read(2, 'marker', null)).toBe(true);

    const restored = progress.restore(partition);
    expect([...restored.keys()]).toEqual([0, 2]);
    expect(restored.get(0)!.provisional(0, 1).map((e) => [e.meta.device, e.values.count, e.values.first])).toEqual([['d0', 1, 20]]);
    expect(restored.get(2)!.provisional(0, 1).map((e) => [e.meta.device, e.values.first])).toEqual([['d2', 30]]);
  });

  it('a marker of another restore does not end this one', () => {
    const progress = new RestoreProgress([0], `${RESTORE_MARKER}mine`);
    expect(progress.read(0, `${RESTORE_MARKER}theirs`, null)).toBe(false);
    expect(progress.read(0, `${RESTORE_MARKER}mine`, null)).toBe(true);
  });
});
