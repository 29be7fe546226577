/**
 * A bad clock: one device publishes readings ten minutes ahead of the others
 * sharing its partitions, in lockstep with them. Event time is its series'
 * own, so it makes no reading of another device late: no late input at all,
 * no invalidation but the recomputation of each new energy series' first
 * window and the windows above it (by design), and every device's finals equal SQL over the raw rows.
 */
import { day, hour, minute, newestOf, recentDay, second, seriesReadings, startLatePipeline } from './late-pipeline.fixture';

const SKEW_MS = 10 * minute;
const STEP_MS = 10 * second;

describe('late data: a device with its clock ahead', () => {
  it('makes no other device\'s reading late: their finals equal SQL, and nothing of theirs is invalidated', async () => {
    const pipeline = await startLatePipeline({ allowedLateness: '2s' });
    const from = recentDay(2) + 9 * hour + 50 * minute;
    const until = recentDay(2) + day;
    const devices = ['dev0', 'dev1', 'dev2', 'dev3', 'skewed'];
    const series = devices.flatMap((device, d) => {
      const skew = device === 'skewed' ? SKEW_MS : 0;
      const span = { from: from + skew, to: from + 20 * minute + skew, stepMs: STEP_MS };
      return [seriesReadings(`/acme/clocks/${device}/kwh`, 'energy', { ...span, seed: 1 + d }), seriesReadings(`/acme/clocks/${device}/temp`, 'non_additive', { ...span, seed: 11 + d })];
    });
    // one round a step: every series' reading of that instant (the skewed device's stamped ahead), each round in Kafka before the next
    const rounds = series[0]!.map((_, i) => series.map((readings) => readings[i]!));
    const readings = series.flat();
    const client = await pipeline.device();
    await pipeline.publishFirst(client, rounds[0]![0]!);
    for (const round of rounds) await pipeline.publish(client, round);
    await pipeline.consumedAll(readings);
    await pipeline.flush(client, newestOf(readings), until);

    const others = new Set(readings.filter((r) => !r.path.includes('skewed')).map((r) => r.path));
    await pipeline.expectExact(new Set(readings.map((r) => r.path)), until);
    expect(await pipeline.lateInputs()).toBe(0);
    // by design: a new energy series' first minute is recomputed, and so, where they had closed by then, the hour and day holding it
    const sizes: Record<string, number> = { '1m': minute, '1h': hour, '1d': day };
    const windowOfFirst = (path: string, resolution: string) => Math.floor(Math.min(...readings.filter((r) => r.path === path).map((r) => r.ts)) / sizes[resolution]!) * sizes[resolution]!;
    const invalidatedOthers = pipeline.invalidations().flatMap((i) => (i.type === 'window' && others.has(i.meta.path) ? i.windowStarts.map((windowStart) => ({ ...i, windowStart })) : []));
    expect(invalidatedOthers.filter((i) => !(i.meta.kind === 'energy' && i.windowStart === windowOfFirst(i.meta.path, i.resolution)))).toEqual([]);
    expect(pipeline.corrections('1m').filter((r) => others.has(r.path) && r.kind !== 'energy')).toEqual([]);
    expect(pipeline.readers.deadLetters.records.map((d) => d.value.reason)).toEqual([]);
  }, 120_000);
});
