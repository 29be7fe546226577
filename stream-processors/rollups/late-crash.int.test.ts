/**
 * A crash while corrections are in flight: `fleetstream rollups` runs as a
 * process; a device uploads a three-hour backlog, and the process is killed
 * with SIGKILL once the stages have written invalidations for it and before
 * the corrector has answered them all. Restarted with the same instance id,
 * it ends with every final equal to SQL over the raw rows, each correction
 * emitted once.
 */
import { eventually } from '../../test/factories';
import { day, hour, minute, newestOf, recentDay, second, seriesReadings, startLatePipeline } from './late-pipeline.fixture';

const started = (output: string) => output.includes('"event":"rollups_started"');

describe('late data: the rollup processor killed mid-correction', () => {
  it('restarts and corrects the backlog exactly as without the crash, each correction once', async () => {
    const pipeline = await startLatePipeline({ allowedLateness: '2s', rollups: 'process' });
    const until = recentDay(2) + day;
    const current = recentDay(2) + 15 * hour;
    const series = [seriesReadings('/acme/crash/meter/kwh', 'energy', { from: current - 3 * hour - 10 * minute, to: current + 1, stepMs: 5 * second, seed: 3, resetAt: current - hour }),
      seriesReadings('/acme/crash/meter/temp', 'non_additive', { from: current - 3 * hour - 10 * minute, to: current + 1, stepMs: 5 * second, seed: 4 })];
    const live = series.flatMap((s) => s.filter((r) => r.ts < current - 3 * hour));
    const currentReadings = series.map((s) => s.at(-1)!);
    const buffer = series.flatMap((s) => s.filter((r) => r.ts >= current - 3 * hour && r.ts < current)).sort((a, b) => a.ts - b.ts);
    const all = series.flat();
    const paths = new Set(all.map((r) => r.path));

    let processor = pipeline.spawnRollups();
    await eventually(() => (started(processor.output()) ? true : undefined), 'the rollup processor to start', 60_000, 100);
    await pipeline.readInvalidations();
    const client = await pipeline.device();
    await pipeline.publishFirst(client, live[0]!);
    await pipeline.publish(client, live.sort((a, b) => a.ts - b.ts));
    await pipeline.consumedAll(live);
    await pipeline.publish(client, currentReadings);
    await pipeline.consumedAll(currentReadings);
    const uploading = pipeline.publish(client, buffer);

    // the kill: the stages wrote (committed) invalidations of the backlog's windows, the corrector has answered some, not all
    const windowsOf = (keys: string[]) => new Set(keys).size;
    const atKill = await eventually(() => {
      const invalidated = windowsOf(pipeline.invalidations().flatMap((i) => (i.type === 'window' && i.resolution === '1m' ? i.windowStarts.map((w) => `${i.meta.path}@${w}`) : [])));
      const corrected = windowsOf(pipeline.corrections('1m').map((r) => `${r.path}@${r.windowStart}`));
      return corrected > 0 && corrected < invalidated ? { invalidated, corrected } : undefined;
    }, 'some invalidations of the backlog corrected, not all', 60_000, 20);
    expect(await processor.kill('SIGKILL')).toBe('SIGKILL');
    console.log(`late-crash: killed with ${atKill.invalidated} 1m windows invalidated, ${atKill.corrected} corrected`);
    processor = pipeline.spawnRollups();

    await uploading;
    await pipeline.consumedAll(all);
    await pipeline.flush(client, newestOf(all), until);
    await pipeline.expectExact(paths, until, 60_000);
    // the kill was mid-correction: windows invalidated before it were corrected after it
    expect(windowsOf(pipeline.corrections('1m').map((r) => `${r.path}@${r.windowStart}`))).toBeGreaterThan(atKill.corrected);
    for (const resolution of ['1m', '1h', '1d'] as const) {
      const emitted = pipeline.corrections(resolution).map((r) => `${r.path}@${r.windowStart}#${r.revision}`);
      expect({ resolution, twice: emitted.filter((k, i) => emitted.indexOf(k) !== i) }).toEqual({ resolution, twice: [] });
    }
    expect(pipeline.readers.deadLetters.records.map((d) => d.value.reason)).toEqual([]);
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 120_000);
});
