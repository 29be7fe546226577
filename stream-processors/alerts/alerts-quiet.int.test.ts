/**
 * Batches that change nothing (readings no rule matches) cost no Kafka
 * transaction: their offsets are committed with a plain offset commit
 * (lib/state-processor-consumer.ts), and a reading a rule matches after them
 * still alerts, in a transaction of its own.
 */
import type { RunningComponent } from '../../lib/component';
import { eventually } from '../../test/factories';
import { alertReader, alertsFixture, everyReadingCommitted, readingProducer, startAlerts, transitionsOf } from './alerts.fixture';

const rules = `
tenant: acme
rules:
  - id: hot
    series: ['/acme/*/*/temperature']
    severities: [{ severity: critical, when: '> 90' }]
`;

async function transactions(processor: RunningComponent): Promise<number> {
  const text = await processor.metrics.metrics();
  return Number(/^alerts_transaction_seconds_count\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('the alerts processor with readings no rule matches', () => {
  it('commits their offsets without a transaction, and still alerts on the next matching reading', async () => {
    const options = await alertsFixture(rules);
    const processor = await startAlerts(options);
    const events = await alertReader(options);
    const send = await readingProducer(options);
    const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
    const before = await transactions(processor);

    // other tenants' readings, and the rule's series below its threshold: nothing to write
    for (let round = 0; round < 5; round++) {
      await send(Array.from({ length: 40 }, (_, i) => ({ path: i % 2 ? `/globex/site/d${i}/temperature` : `/acme/site/d${i}/temperature`, time: t0 + round * 1000, value: 20 })));
    }
    await everyReadingCommitted(options, 30_000);
    expect(await transactions(processor)).toBe(before);

    const hot = '/acme/site/d0/temperature';
    await send([{ path: hot, time: t0 + 10_000, value: 95 }]);
    await eventually(() => (transitionsOf(events, hot, t0).length > 0 ? true : undefined), 'the alert of the matching reading', 30_000);
    expect(transitionsOf(events, hot, t0)).toEqual(['firing:critical@10']);
    expect(await transactions(processor)).toBeGreaterThan(before);
  });
});
