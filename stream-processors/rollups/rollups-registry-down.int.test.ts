/**
 * A schema registry that cannot be reached while the 1m stage decodes its
 * input: the records are consumed again once it can be, never dead-lettered
 * (and committed) as undecodable. The fault is put into a real registry
 * client, through `start({ registryClient })`: its first schema lookups fail
 * as a refused connection does. Everything else is the real stack.
 */
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import { eventually, testSettings } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { expectedRollups, generateDataset } from './oracle-dataset';
import { finalRollups, measurementOf, rollupDifferences, waitForFinals } from './oracle.fixture';
import { measurementProducer, rollupReaders, rollupsFixture, startRollups } from './rollups.fixture';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A registry client whose first `failures` schema lookups (what decoding a record of a new schema id asks) fail as unreachable. */
function unreachableAtFirst(failures: number): { client: RegistryClient; failed: () => number } {
  const real = createRegistryClient(testSettings().schemaRegistryUrl);
  let failed = 0;
  const client = Object.create(real) as RegistryClient;
  client.getBySubjectAndId = async (...args) => {
    if (failed < failures) {
      failed++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' });
    }
    return real.getBySubjectAndId(...args);
  };
  return { client, failed: () => failed };
}

describe('rollups while the schema registry is unreachable', () => {
  it('consume the records again once it answers: nothing dead-lettered, every final rollup exact', async () => {
    const start = Math.floor(Date.now() / day) * day - 3 * day + 3 * hour;
    const dataset = generateDataset({ seed: 5, start, durationMs: 3 * hour, latenessMs: 30 * minute, lateCount: 0, devices: 2 });
    const fixture = await rollupsFixture({ allowedLateness: '30m', idleTimeout: '1h' });
    const readers = await rollupReaders(fixture);
    const deadLetters = await TopicReader.start(fixture.options.deadLetterTopic);
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = new Map(dataset.series.map((s) => [s.path, s]));

    const registry = unreachableAtFirst(3);
    const rollups = await startRollups(fixture.options, { registryClient: registry.client });
    await send(dataset.readings.map((r) => measurementOf(series, r)));
    for (const round of dataset.flush) await send(round.map((r) => measurementOf(series, r)));

    await waitForFinals(readers['1h'].records, expectedRollups(dataset.readings, hour).keys(), '1h', 60_000);
    expect(registry.failed()).toBe(3);
    const inputs = await rollups.metrics.getSingleMetric('rollups_inputs_total')!.get();
    expect(inputs.values.filter((v) => v.labels.outcome === 'undecodable')).toEqual([]);
    for (const [resolution, size] of [['1m', minute], ['1h', hour]] as const) {
      const { finals, conflicting, repeated } = finalRollups(readers[resolution].records);
      expect({ resolution, differences: rollupDifferences(expectedRollups(dataset.readings, size), finals, dataset.compareUntil).slice(0, 20) }).toEqual({ resolution, differences: [] });
      expect({ resolution, conflicting, repeated }).toEqual({ resolution, conflicting: [], repeated: [] });
    }
    // a dead letter would have been committed before the last finals; the reader has had their time to see one
    expect(deadLetters.records).toEqual([]);
    await eventually(() => (rollups.ready() ? true : undefined), 'the processor to be ready again', 10_000);
  }, 120_000);
});
