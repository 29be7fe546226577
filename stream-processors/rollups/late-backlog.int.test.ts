/**
 * A backlog: a device was live, went offline for three hours, and on
 * reconnecting publishes its current reading first and then its buffer,
 * which is late for its own series, as fast as MQTT QoS 1 goes, while a fleet
 * of twenty devices keeps publishing. Its rollups at every resolution come
 * out of the corrector equal to SQL over the raw rows; the fleet's are equal
 * to SQL too and were never corrected, but for what the processor recomputes
 * by design: the first window of each new energy series (its carry may be
 * in the stored readings), and the window after it where that had closed.
 */
import type { Rollup } from '../../schemas/types';
import { eventually } from '../../test/factories';
import { day, hour, minute, newestOf, recentDay, second, seriesReadings, startLatePipeline, type DeviceReading } from './late-pipeline.fixture';

const LIVE_DEVICES = 20;
const LIVE_STEP_MS = 15 * second;
const windowKey = (r: { path: string; ts: number }, sizeMs: number) => `${r.path}@${Math.floor(r.ts / sizeMs) * sizeMs}`;
const rollupKey = (r: Rollup) => `${r.path}@${r.windowStart}`;

describe('late data: a backlog uploaded while the fleet stays live', () => {
  it('corrects the backlog device\'s windows from the raw rows, once each, and leaves the live devices\' finals alone', async () => {
    const pipeline = await startLatePipeline({ allowedLateness: '2s' });
    const until = recentDay(2) + day;
    const current = recentDay(2) + 20 * hour;

    const meter = (kind: 'energy' | 'non_additive', metric: string) => {
      const all = seriesReadings(`/acme/backlog/meter/${metric}`, kind, { from: current - 3 * hour - 20 * minute, to: current + 1, stepMs: 5 * second, seed: kind.length, resetAt: current - 100 * minute });
      return { live: all.filter((r) => r.ts < current - 3 * hour && r.ts % LIVE_STEP_MS === 0), buffer: all.filter((r) => r.ts >= current - 3 * hour && r.ts < current), current: all.at(-1)! };
    };
    const backlog = [meter('energy', 'kwh'), meter('non_additive', 'temp')];
    const fleet = Array.from({ length: LIVE_DEVICES }, (_, d) => [
      ...seriesReadings(`/acme/live/dev${d}/kwh`, 'energy', { from: current - 10 * minute, to: current + 10 * minute, stepMs: LIVE_STEP_MS, seed: 100 + d }),
      ...seriesReadings(`/acme/live/dev${d}/temp`, 'non_additive', { from: current - 10 * minute, to: current + 10 * minute, stepMs: LIVE_STEP_MS, seed: 200 + d }),
    ]).flat();
    // one reading per series a round, each round in Kafka before the next: no live reading is ever late for its series
    const rounds = [...new Set(fleet.map((r) => r.ts))].sort((a, b) => a - b).map((ts) => ({ ts, readings: fleet.filter((r) => r.ts === ts) }));
    const livePaths = new Set(fleet.map((r) => r.path));
    const backlogPaths = new Set(backlog.map((s) => s.current.path));

    const [fleetClient, meterClient] = [await pipeline.device(), await pipeline.device()];
    await pipeline.publishFirst(meterClient, backlog[0]!.live[0]!);
    for (const ts of [...new Set(backlog.flatMap((s) => s.live.map((r) => r.ts)))].sort((a, b) => a - b)) {
      await pipeline.publish(meterClient, backlog.flatMap((s) => s.live.filter((r) => r.ts === ts)));
    }
    let uploading: Promise<void> | undefined;
    const started = Date.now();
    for (const round of rounds) {
      if (round.ts >= current && !uploading) {
        await pipeline.publish(meterClient, backlog.map((s) => s.current));
        uploading = pipeline.publish(meterClient, backlog.flatMap((s) => s.buffer).sort((a, b) => a.ts - b.ts));
      }
      await pipeline.publish(fleetClient, round.readings);
    }
    await uploading;
    const all: DeviceReading[] = [...fleet, ...backlog.flatMap((s) => [...s.live, ...s.buffer, s.current])];
    console.log(`late-backlog: ${rounds.length} live rounds and a ${backlog.reduce((n, s) => n + s.buffer.length, 0)}-reading backlog in ${Date.now() - started} ms`);
    await pipeline.consumedAll(all);
    await pipeline.flush(fleetClient, newestOf(all), until);

    await pipeline.expectExact(new Set([...livePaths, ...backlogPaths]), until);
    expect(pipeline.readers.deadLetters.records.map((d) => d.value.reason)).toEqual([]);

    // the backlog went through the corrector: windows of its buffer were invalidated and got corrected finals
    const invalidated = await eventually(() => {
      const found = pipeline.invalidations().filter((i) => i.type === 'window' && backlogPaths.has(i.meta.path));
      return found.length > 0 ? found : undefined;
    }, 'invalidations of the backlog\'s windows');
    // (where Kafka cut the batches decides whether the buffer's first minutes went into windows still held, before their finals)
    const correctedBacklog = pipeline.corrections('1m').filter((r) => backlogPaths.has(r.path) && r.windowStart >= current - 3 * hour && r.windowEnd <= current);
    expect(correctedBacklog.length).toBeGreaterThan(0);
    // a batch's invalidations of one series are one record listing its windows: the buffer's run of minutes in few records
    const invalidatedWindows = invalidated.flatMap((i) => (i.type === 'window' ? i.windowStarts : []));
    expect(invalidatedWindows.length).toBeGreaterThan(2 * invalidated.length);

    // each correction once: the corrector commits the invalidations it answered and never fetches them again
    const emitted = pipeline.corrections('1m').map((r) => `${rollupKey(r)}#${r.revision}`);
    expect(emitted.filter((k, i) => emitted.indexOf(k) !== i)).toEqual([]);

    // the live devices: corrected only where a new energy series' first window is recomputed (and the window after it, if closed by then)
    const firstWindows = new Map<string, number>();
    for (const r of fleet) if (r.kind === 'energy' && !firstWindows.has(r.path)) firstWindows.set(r.path, Math.floor(r.ts / minute) * minute);
    const secondWindows = new Map([...firstWindows].map(([path, start]) => [path, Math.floor(fleet.find((r) => r.path === path && r.ts >= start + minute)!.ts / minute) * minute]));
    const liveCorrected = (resolution: '1m' | '1h' | '1d') => pipeline.corrections(resolution).filter((r) => livePaths.has(r.path));
    for (const r of liveCorrected('1m')) expect({ path: r.path, windowStart: r.windowStart, first: [firstWindows.get(r.path), secondWindows.get(r.path)].includes(r.windowStart) }).toEqual({ path: r.path, windowStart: r.windowStart, first: true });
    expect(new Set(liveCorrected('1m').map((r) => r.path))).toEqual(new Set(firstWindows.keys()));
    expect(new Set(liveCorrected('1m').filter((r) => r.windowStart === firstWindows.get(r.path)).map((r) => r.path)).size).toBe(firstWindows.size);
    for (const resolution of ['1h', '1d'] as const) {
      const size = resolution === '1h' ? hour : day;
      const allowed = new Set([...firstWindows.keys()].flatMap((path) => [firstWindows.get(path)!, secondWindows.get(path)!].map((ts) => windowKey({ path, ts }, size))));
      expect({ resolution, others: liveCorrected(resolution).map(rollupKey).filter((k) => !allowed.has(k)) }).toEqual({ resolution, others: [] });
    }
    console.log(`late-backlog: ${invalidated.length} backlog invalidations; live corrections 1m/1h/1d ${liveCorrected('1m').length}/${liveCorrected('1h').length}/${liveCorrected('1d').length}`);
  }, 180_000);
});
