/**
 * Crash safety: `fleetstream rollups` as a process, SIGKILLed at random points
 * while it consumes a deterministic dataset and restarted each time with the
 * same instance id. Every closed window's final rollup must equal the
 * expected one, computed independently from the dataset (`expectedRollups`,
 * which the oracle test checks against SQL), and be emitted exactly once.
 *
 * Why the in-memory oracle rather than a second, uncrashed run: it is as
 * strict (the processor is deterministic here: readings go straight to Kafka in
 * order, none is beyond the lateness, and the wall-clock fallback is off), it
 * shares no code with the processor, and it leaves the time for more kills.
 */
import { spawnComponent, type ComponentProcess } from '../../test/cli-process';
import { eventually } from '../../test/factories';
import { expectedRollups, generateDataset } from './oracle-dataset';
import { componentEnvironment } from '../../test/component-environment';
import { measurementOf, rollupDifferences, waitForFinals, finalRollups } from './oracle.fixture';
import { measurementProducer, rollupsFixture, rollupReaders } from './rollups.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
const sizes = { '1m': minute, '1h': 60 * minute, '1d': day } as const;
const PRODUCE_SECONDS = 30;
const KILLS = 3;

describe('rollups killed with SIGKILL mid-stream', () => {
  it('restarts from its changelog and committed offsets: every final rollup as without the crashes, each emitted once', async () => {
    const start = Math.floor(Date.now() / day) * day - 5 * day + 3 * 60 * minute;
    const dataset = generateDataset({ seed: 7, start, latenessMs: 30 * minute, lateCount: 0, devices: 4 });
    const fixture = await rollupsFixture({ allowedLateness: '30m', idleTimeout: '1h' });
    const env = { ...componentEnvironment('rollups', fixture.options), ROLLUPS_INSTANCE_ID: 'crashing' };
    const readers = await rollupReaders(fixture);
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = new Map(dataset.series.map((s) => [s.path, s]));

    let processor: ComponentProcess = spawnComponent('rollups', env);
    const producing = (async () => {
      const chunk = Math.ceil(dataset.readings.length / (PRODUCE_SECONDS * 4));
      for (let i = 0; i < dataset.readings.length; i += chunk) {
        await send(dataset.readings.slice(i, i + chunk).map((r) => measurementOf(series, r)));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const current = processor;
      // a random point once the 1m stage holds partitions: mid-batch, mid-transaction, mid-restore, mid-tick
      await eventually(() => (current.output().includes('"event":"partitions_assigned"') ? true : undefined), 'the restarted processor to hold partitions', 30_000, 50);
      const delayMs = Math.round(200 + Math.random() * 2500);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      killedAt.push(readers['1m'].records.length);
      expect(await current.kill('SIGKILL')).toBe('SIGKILL');
      processor = spawnComponent('rollups', env);
      console.log(`rollups-crash: kill ${kill + 1} after ${delayMs} ms, ${killedAt[kill]} 1m rollups seen`);
    }
    await producing;
    for (const round of dataset.flush) await send(round.map((r) => measurementOf(series, r)));

    const expected = (resolution: keyof typeof sizes) => expectedRollups(dataset.readings, sizes[resolution]);
    await waitForFinals(readers['1d'].records, expected('1d').keys(), '1d', 60_000);
    for (const resolution of ['1m', '1h', '1d'] as const) {
      const { finals, conflicting, repeated } = finalRollups(readers[resolution].records);
      expect({ resolution, differences: rollupDifferences(expected(resolution), finals, dataset.compareUntil).slice(0, 20) }).toEqual({ resolution, differences: [] });
      expect({ resolution, conflicting }).toEqual({ resolution, conflicting: [] });
      // exactly once: no committed final of a window twice (read_committed readers), however often the process died
      expect({ resolution, repeated }).toEqual({ resolution, repeated: [] });
    }
    expect(await processor.kill('SIGTERM')).toBe(0);
  }, 150_000);
});
