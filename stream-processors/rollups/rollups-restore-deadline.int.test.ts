/**
 * A changelog restore that cannot finish (here: its reader is never handed a
 * record, as when the changelog's partitions have no leader) fails the
 * processor after ROLLUPS_RESTORE_TIMEOUT with an error that says so,
 * rather than leaving it hanging unready. The fault is put into a real Kafka
 * client, through `start({ kafka })`.
 */
import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import { testKafka } from '../../test/factories';
import { rollupsFixture, startRollups } from './rollups.fixture';

/** A client whose restore readers (the stage's group id + `-restore-`) drop every record they fetch. */
function restoresSeeNothing(kafka: Kafka): Kafka {
  const consumer = (config: ConsumerConfig): Consumer => {
    const real = kafka.consumer(config);
    if (!config.groupId.includes('-restore-')) return real;
    const run = real.run.bind(real);
    real.run = (options) => run({ ...options, eachMessage: async () => undefined });
    return real;
  };
  return Object.assign(Object.create(kafka) as Kafka, { consumer });
}

describe('rollups whose changelog restore cannot finish', () => {
  it('fail with STATE_RESTORE_TIMEOUT, naming the option, once the restore timeout passed', async () => {
    const fixture = await rollupsFixture({ restoreTimeout: '2s' });
    const startedAt = Date.now();
    const rollups = await startRollups(fixture.options, { kafka: restoresSeeNothing(testKafka('rollups-restore-stuck')) });
    let guard: NodeJS.Timeout | undefined;
    const error = await Promise.race([rollups.failed!, new Promise<never>((_, reject) => (guard = setTimeout(() => reject(new Error('the processor did not fail within 30 s')), 30_000)))]).finally(() => clearTimeout(guard));
    expect(error).toMatchObject({ code: 'STATE_RESTORE_TIMEOUT', retriable: false });
    expect(error.message).toContain('ROLLUPS_RESTORE_TIMEOUT');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
    expect(rollups.ready()).toBe(false);
  }, 60_000);
});
