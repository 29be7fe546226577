/**
 * Rebalance: a second instance (another instance id, the same group prefix)
 * started mid-stream takes partitions over from the first. No window may be
 * lost or counted twice: every final rollup equals the expected one
 * (`expectedRollups`, checked against SQL by the oracle test), counts exact,
 * each final emitted once. A corrector waiting on the raw store gives its
 * batch up to the rebalance rather than holding the new instance's start.
 */
import type { Registry } from 'prom-client';
import { eventually } from '../../test/factories';
import { expectedRollups, generateDataset } from './oracle-dataset';
import { finalRollups, measurementOf, rollupDifferences, waitForFinals } from './oracle.fixture';
import { measurementProducer, rollupsFixture, startRollups, rollupReaders } from './rollups.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
const sizes = { '1m': minute, '1h': 60 * minute, '1d': day } as const;
const PRODUCE_SECONDS = 16;

/** Inputs the 1m stage of one instance accepted (or took as duplicates, or as late). */
async function inputsTaken(metrics: Registry): Promise<number> {
  const metric = await metrics.getSingleMetric('rollups_inputs_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels.stage === 'rollups-1m').reduce((n, v) => n + v.value, 0);
}

describe('rollups rebalance', () => {
  it('a second instance started mid-stream takes partitions without losing or double-counting a window', async () => {
    const start = Math.floor(Date.now() / day) * day - 6 * day + 11 * 60 * minute;
    const dataset = generateDataset({ seed: 99, start, latenessMs: 30 * minute, lateCount: 0, devices: 4 });
    const fixture = await rollupsFixture({ allowedLateness: '30m', idleTimeout: '1h' }, 4);
    const readers = await rollupReaders(fixture);
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = new Map(dataset.series.map((s) => [s.path, s]));

    const first = await startRollups({ ...fixture.options, instanceId: 'first' });
    const chunk = Math.ceil(dataset.readings.length / (PRODUCE_SECONDS * 4));
    let second: Awaited<ReturnType<typeof startRollups>> | undefined;
    let takenBySecondAtStart = 0;
    let secondStartMs = 0;
    for (let i = 0; i < dataset.readings.length; i += chunk) {
      await send(dataset.readings.slice(i, i + chunk).map((r) => measurementOf(series, r)));
      if (!second && i >= dataset.readings.length * 0.4) {
        const startedAt = Date.now();
        second = await startRollups({ ...fixture.options, instanceId: 'second' });
        secondStartMs = Date.now() - startedAt;
        takenBySecondAtStart = await inputsTaken(first.metrics);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const round of dataset.flush) await send(round.map((r) => measurementOf(series, r)));

    await waitForFinals(readers['1d'].records, expectedRollups(dataset.readings, day).keys(), '1d', 60_000);
    // No timescale-sink runs here, so the first corrector waits on a raw store that never catches up: it must
    // still let the group rebalance at once, not hold the second's start for kafkajs's 60 s rebalance timeout.
    expect(secondStartMs).toBeLessThan(30_000);
    // both instances consumed: the second took partitions, the first kept some
    await eventually(async () => ((await inputsTaken(second!.metrics)) > 0 ? true : undefined), 'the second instance to take inputs', 5000);
    expect(await inputsTaken(first.metrics)).toBeGreaterThan(takenBySecondAtStart);
    for (const resolution of ['1m', '1h', '1d'] as const) {
      const { finals, conflicting, repeated } = finalRollups(readers[resolution].records);
      expect({ resolution, differences: rollupDifferences(expectedRollups(dataset.readings, sizes[resolution]), finals, dataset.compareUntil).slice(0, 20) }).toEqual({ resolution, differences: [] });
      expect({ resolution, conflicting, repeated }).toEqual({ resolution, conflicting: [], repeated: [] });
    }
  }, 120_000);
});
