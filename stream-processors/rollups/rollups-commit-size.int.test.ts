/**
 * A stage goes on applying batches while its last commit's transaction is in
 * flight. A stage behind its input, whose transactions are slow, must still
 * keep each commit to `maxRecordsPerCommit` input records (give or take the
 * batch that crossed it): otherwise each commit takes what was applied during
 * the one before and takes longer for it, until one outlives the transaction
 * timeout and the broker fences the producer. Real stack; the transactions'
 * commits are held 2.5 s each in the client, nothing else is changed.
 */
import type { Kafka, Producer, ProducerConfig, Transaction } from 'kafkajs';
import { eventually, testKafka } from '../../test/factories';
import { measurementProducer, reading, rollupsFixture, startRollups } from './rollups.fixture';

const minute = 60_000;
const day = 24 * 60 * minute;
const T0 = Math.floor(Date.now() / day) * day - 2 * day;

/** A client whose producers hold each commit `holdMs`, and report the offsets each 1m-stage transaction commits (partition -> offset). */
function slowCommits(kafka: Kafka, holdMs: number, committed: Map<number, string>[]): Kafka {
  const producer = (config?: ProducerConfig): Producer => {
    const real = kafka.producer(config);
    const transaction = real.transaction.bind(real);
    real.transaction = async (): Promise<Transaction> => {
      const tx = await transaction();
      const sendOffsets = tx.sendOffsets.bind(tx);
      const commit = tx.commit.bind(tx);
      let offsets: Map<number, string> | undefined;
      tx.sendOffsets = async (request) => {
        if (request.consumerGroupId.endsWith('-1m')) offsets = new Map(request.topics.flatMap((t) => t.partitions.map((p) => [p.partition, p.offset] as const)));
        return sendOffsets(request);
      };
      tx.commit = async () => {
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        await commit();
        if (offsets) committed.push(offsets);
      };
      return tx;
    };
    return real;
  };
  return Object.assign(Object.create(kafka) as Kafka, { producer });
}

describe('a rollup stage behind its input, with slow transactions', () => {
  it('keeps each commit to maxRecordsPerCommit input records, give or take a batch, and commits all of them', async () => {
    const maxRecordsPerCommit = 2000;
    const fixture = await rollupsFixture({ maxRecordsPerCommit });
    const { send } = await measurementProducer(fixture.options.measurementsTopic);
    const series = Array.from({ length: 30 }, (_, i) => `/acme/p1/m${i}/temperature`);
    const total = 60_000;
    for (let sent = 0; sent < total; sent += 5000) {
      await send(Array.from({ length: 5000 }, (_, i) => reading(series[(sent + i) % series.length]!, 'non_additive', T0 + Math.floor((sent + i) / series.length) * 1000, i % 97)));
    }

    const committed: Map<number, string>[] = [];
    await startRollups(fixture.options, { kafka: slowCommits(testKafka('rollups-slow'), 2500, committed) });
    const sizes = (): number[] => {
      const at = new Map<number, bigint>();
      return committed.map((offsets) => {
        let records = 0n;
        for (const [partition, offset] of offsets) {
          records += BigInt(offset) - (at.get(partition) ?? 0n);
          at.set(partition, BigInt(offset));
        }
        return Number(records);
      });
    };
    await eventually(() => (sizes().reduce((a, b) => a + b, 0) >= total ? true : undefined), `the 1m stage's commits of all ${total} records`, 120_000);

    const perCommit = sizes();
    expect(perCommit.reduce((a, b) => a + b, 0)).toBe(total);
    // kafkajs fetches at most 1 MiB per partition: about 11,000 of these records in the batch that crosses the bound.
    // Unbounded, the commits after the first took what was applied during 2.5 s: most of the 60,000.
    expect(Math.max(...perCommit)).toBeLessThan(maxRecordsPerCommit + 12_000);
    expect(perCommit.length).toBeGreaterThanOrEqual(4);
  }, 180_000);
});
