import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { mergedWindows, readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const hour = 60 * minute;
const T0 = Date.UTC(2026, 0, 1);
const meta = (device: string): SeriesMeta => ({ path: `/t/s/${device}/kwh`, tenant: 't', site: 's', device, metric: 'kwh', kind: 'energy' });

describe('PartitionWindows: final rollups of a catch-up batch', () => {
  it('come in window order across series, so a next stage that receives them split in two loses none', () => {
    // a backlog: two series, 90 minutes each, closed by one advance
    const raw = new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs: 0, idleMs: hour }, 0);
    for (let m = 0; m <= 90; m++) for (const device of ['a', 'b']) raw.add(meta(device), T0 + m * minute, T0 + m * minute, { time: T0 + m * minute, value: m }, 0);
    const finals = raw.advance(0);
    expect(finals).toHaveLength(180);
    expect(finals.map((f) => f.windowStart)).toEqual([...finals.map((f) => f.windowStart)].sort((x, y) => x - y));

    // the 1h stage takes the first half as one batch, the rest as another: nothing of the first hour is late
    const hourly = new PartitionWindows(mergedWindows, { sizeMs: hour, latenessMs: minute, idleMs: hour }, 0);
    const feed = (part: typeof finals) => part.map((f) => hourly.add(f.meta, f.windowStart, f.windowEnd, { start: f.windowStart, revision: f.values.count * 2 + 1, values: f.values }, 0));
    const outcomes = [...feed(finals.slice(0, 100)), ...(hourly.advance(0), feed(finals.slice(100)))];
    expect(outcomes.filter((o) => o !== 'accepted')).toEqual([]);
    const firstHour = [...hourly.advance(0)].filter((e) => e.windowStart === T0);
    expect(firstHour.map((e) => [e.meta.device, e.values.count])).toEqual([['a', 60], ['b', 60]]);
  });
});
