/**
 * A commit that fails for good: the processor must throw away what it
 * consumed since the last commit (pending rollups, window state, consumed
 * position) and consume it again from the committed offsets. The fault is put
 * into a real Kafka client: the transaction is aborted at the broker, then the
 * commit reports a retriable error, five times running (all the attempts one
 * commit makes), at two points of each stage's run of commits (the 1m stage
 * gets there). Each failing attempt is in flight for 300 ms first:
 * commits are pipelined, so batches applied meanwhile, built on the failing
 * work, must be thrown away with it. Everything else is the real stack.
 */
import { KafkaJSError, type Kafka, type Producer, type ProducerConfig, type Transaction } from 'kafkajs';
import { eventually, testKafka } from '../../test/factories';
import { expectedRollups, generateDataset } from './oracle-dataset';
import { finalRollups, measurementOf, rollupDifferences, waitForFinals } from './oracle.fixture';
import { measurementProducer, rollupReaders, rollupsFixture, startRollups } from './rollups.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
const sizes = { '1m': minute, '1h': 60 * minute, '1d': day } as const;

/**
 * A client whose producers' commits fail (after aborting at the broker) on the commit numbers in `failing`, counted per
 * producer over the transactions that carry consumed offsets: a restore's marker write (no offsets) is neither counted
 * nor failed, since a failed one is no failed commit and the test counts those.
 */
function failingCommits(kafka: Kafka, failing: Set<number>): { kafka: Kafka; failed: () => number } {
  let failed = 0;
  const producer = (config?: ProducerConfig): Producer => {
    let commits = 0;
    const real = kafka.producer(config);
    const transaction = real.transaction.bind(real);
    real.transaction = async (): Promise<Transaction> => {
      const tx = await transaction();
      const commit = tx.commit.bind(tx);
      const sendOffsets = tx.sendOffsets.bind(tx);
      let consumes = false;
      tx.sendOffsets = async (offsets) => {
        consumes = true;
        return sendOffsets(offsets);
      };
      tx.commit = async () => {
        if (!consumes || !failing.has(++commits)) return commit();
        failed++;
        // in flight a while first, so the stage applies batches on the work about to fail
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.abort();
        throw new KafkaJSError('injected: the commit failed', { retriable: true });
      };
      return tx;
    };
    return real;
  };
  return { kafka: Object.assign(Object.create(kafka) as Kafka, { producer }), failed: () => failed };
}

describe('rollups whose commits fail', () => {
  it('consume again from the committed offsets: every final rollup as without the failures, each emitted once', async () => {
    const start = Math.floor(Date.now() / day) * day - 5 * day + 3 * 60 * minute;
    const dataset = generateDataset({ seed: 11, start, latenessMs: 30 * minute, lateCount: 0, devices: 3 });
    const fixture = await rollupsFixture({ allowedLateness: '30m', idleTimeout: '1h' });
    const readers = await rollupReaders(fixture);
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = new Map(dataset.series.map((s) => [s.path, s]));

    // a stage's transactions 5-9 and 15-19 fail: every attempt of two of its commits, inside the run. Pipelined, the 1m
    // stage commits once its last transaction is done, so under load it made fewer than 35 in the 8 s of input (one make test run)
    const failing = new Set([5, 6, 7, 8, 9, 15, 16, 17, 18, 19]);
    const faulty = failingCommits(testKafka('rollups-failing'), failing);
    const rollups = await startRollups(fixture.options, { kafka: faulty.kafka });

    const chunk = Math.ceil(dataset.readings.length / 40);
    for (let i = 0; i < dataset.readings.length; i += chunk) {
      await send(dataset.readings.slice(i, i + chunk).map((r) => measurementOf(series, r)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const round of dataset.flush) await send(round.map((r) => measurementOf(series, r)));

    const expected = (resolution: keyof typeof sizes) => expectedRollups(dataset.readings, sizes[resolution]);
    await waitForFinals(readers['1d'].records, expected('1d').keys(), '1d', 60_000);
    // the 1m stage commits throughout the input: it went through both failures at least. A coarser stage may be amid
    // its second failure still (its five attempts take 1.5 s): every attempt that failed is of a commit failed for good
    const failedForGood = await eventually(async () => {
      const metrics = await rollups.metrics.getSingleMetric('rollups_commits_failed_total')!.get();
      const byStage: Record<string, number> = Object.fromEntries(metrics.values.map((v) => [String(v.labels.stage), v.value]));
      return Object.values(byStage).reduce((n, v) => n + v, 0) * 5 === faulty.failed() ? byStage : undefined;
    }, 'every failed attempt counted in a commit failed for good');
    expect(failedForGood['rollups-1m']).toBe(2);
    for (const resolution of ['1m', '1h', '1d'] as const) {
      const { finals, conflicting, repeated } = finalRollups(readers[resolution].records);
      expect({ resolution, differences: rollupDifferences(expected(resolution), finals, dataset.compareUntil).slice(0, 20) }).toEqual({ resolution, differences: [] });
      expect({ resolution, conflicting, repeated }).toEqual({ resolution, conflicting: [], repeated: [] });
    }
  }, 120_000);
});
