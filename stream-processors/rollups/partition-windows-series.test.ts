import { PartitionWindows, type SeriesMeta } from './partition-windows';
import { readingWindows, type ReadingInput } from './window-logic';

const minute = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const meta = (device: string): SeriesMeta => ({ path: `/t/s/${device}/temperature`, tenant: 't', site: 's', device, metric: 'temperature', kind: 'non_additive' });
const a = meta('a');
const b = meta('b');

function rawPartition(latenessMs: number, idleMs = 60 * minute) {
  return new PartitionWindows<ReadingInput, ReturnType<typeof readingWindows.create>>(readingWindows, { sizeMs: minute, latenessMs, idleMs }, 0);
}
const add = (p: ReturnType<typeof rawPartition>, m: SeriesMeta, time: number, value = 1, wall = 0) => p.add(m, time, time, { time, value }, wall);
const finalsOf = (p: ReturnType<typeof rawPartition>, wall = 0) => p.advance(wall).map((e) => [e.meta.device, e.windowStart, e.values.count]);

describe('PartitionWindows: event time per series', () => {
  it('a series running ahead (a skewed clock, or live beside a backlog) makes no reading of another series late', () => {
    const p = rawPartition(minute);
    expect(add(p, a, T0 + 10 * minute)).toBe('accepted');
    expect(add(p, a, T0 + 10 * minute + 5000)).toBe('accepted');
    expect(finalsOf(p)).toEqual([]);
    // b is on time for itself; the partition's newest reading is 10 minutes ahead of it
    expect([T0 + 5000, T0 + 30_000, T0 + minute + 5000, T0 + 20_000].map((t) => add(p, b, t))).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(finalsOf(p)).toEqual([]);
    // b's own event time closes b's windows; a's stay open
    add(p, b, T0 + 2 * minute + 10_000);
    expect(finalsOf(p)).toEqual([['b', T0, 3]]);
    expect(add(p, b, T0 + 40_000)).toBe('late');
    expect(p.closedThrough(b.path)).toBe(T0 + minute);
    expect(p.closedThrough(a.path)).toBe(T0 + 9 * minute);
  });

  it('takes a burst of one series, out of order within the lateness, while another series publishes live', () => {
    const p = rawPartition(minute);
    const burst = Array.from({ length: 66 }, (_, i) => T0 + i * 10_000); // eleven minutes, six readings a minute
    // the order a connector's parallel subscriptions may give: pairs swapped, 10 s apart
    const shuffled = burst.map((_, i) => burst[i % 2 === 0 ? Math.min(i + 1, burst.length - 1) : i - 1]!);
    const outcomes: string[] = [];
    const finals: unknown[][] = [];
    shuffled.forEach((t, i) => {
      add(p, b, T0 + 11 * minute + i * 100); // live
      outcomes.push(add(p, a, t));
      if (i % 10 === 0) finals.push(...finalsOf(p));
    });
    expect(outcomes.filter((o) => o !== 'accepted')).toEqual([]);
    add(p, a, T0 + 13 * minute);
    finals.push(...finalsOf(p));
    expect(finals.filter(([device]) => device === 'a')).toEqual(Array.from({ length: 11 }, (_, m) => ['a', T0 + m * minute, 6]));
  });

  it('closes the windows of an idle series by the wall clock, and not those of a busy series beside it', () => {
    const wall0 = 1_000_000;
    const p = rawPartition(10_000, 5_000);
    add(p, a, T0 + 1000, 1, wall0);
    add(p, b, T0 + 1000, 1, wall0);
    // b keeps publishing within its first minute; a says nothing more
    for (let s = 1; s <= 74; s++) add(p, b, T0 + 1000 + s * 100, 1, wall0 + s * 1000);
    // a: idle 5 s, then 69 s of wall clock took T0 + 1 s - 10 s past T0 + 1 min
    expect(finalsOf(p, wall0 + 74_000)).toEqual([['a', T0, 1]]);
    expect(add(p, a, T0 + 2000, 1, wall0 + 74_000)).toBe('late');
    // a window after the closed one was never open: a backlog the device sends when it comes back is on time there
    expect(add(p, a, T0 + minute + 2000, 1, wall0 + 74_000)).toBe('accepted');
    expect(add(p, b, T0 + 500, 1, wall0 + 74_000)).toBe('accepted');
    expect(finalsOf(p, wall0 + 75_000)).toEqual([]);
  });

  it('measures idleness on the input clock: a stage minutes behind its input takes no busy series for idle', () => {
    const wall0 = 1_000_000;
    const p = rawPartition(10_000, 5_000);
    // inputs that reached Kafka a second apart, consumed ten minutes later
    for (let s = 0; s < 30; s++) add(p, a, T0 + s * 1000, 1, wall0 + s * 1000);
    const lag = 10 * minute;
    expect(p.advance(wall0 + 29_000 + lag, wall0 + 29_000).map((e) => e.windowStart)).toEqual([]);
    // on the wall clock alone, the busy series looked idle for ten minutes and its window closed
    expect(p.advance(wall0 + 31_000 + lag).map((e) => [e.meta.device, e.windowStart, e.values.count])).toEqual([['a', T0, 30]]);
    expect(add(p, a, T0 + 30_000, 1, wall0 + 30_000)).toBe('late');
  });

  it('looks for idle series at most once a second of wall clock', () => {
    const p = rawPartition(0, 0);
    add(p, a, T0 + 58_500, 1, 0);
    expect(finalsOf(p, 1000)).toEqual([]); // looked: idle for 1 s, T0 + 59.5 s
    expect(finalsOf(p, 1600)).toEqual([]); // T0 + 60.1 s would close it, but the last look was 600 ms ago
    expect(finalsOf(p, 2000)).toEqual([['a', T0, 1]]);
  });
});
