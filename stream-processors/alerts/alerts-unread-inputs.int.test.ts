/**
 * An input no rule reads is not fetched (lib/unread-topics.ts): with rules on
 * 1m rollups only, the raw readings are not handed to the processor, yet its
 * group's committed offsets follow their end; a rule on raw readings applied
 * later alerts on a reading produced after it.
 */
import { Pool } from 'pg';
import { sumMetric } from '../../infra/local/pipeline';
import { parseRuleDocument } from '../../schemas/alert-rule';
import { batchRecordingKafka } from '../../test/batch-recording-kafka';
import { groupHasOffsets } from '../../test/sink-records';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { alertReader, alertsFixture, everyReadingCommitted, readingProducer, startAlerts, transitionsOf } from './alerts.fixture';
import { applyRuleDocuments } from './rule-store';

const rollupRules = `
tenant: acme
rules:
  - id: pump-peak
    series: ['/acme/*/*/pressure']
    reads: 1m max
    severities: [{ severity: critical, when: '> 100' }]
`;
const withRaw = `${rollupRules}  - id: hot
    series: ['/acme/*/*/temperature']
    severities: [{ severity: critical, when: '> 90' }]
`;

describe('the alerts processor with no rule on raw readings', () => {
  it('does not fetch them, keeps its committed offsets at their end, and reads them once a rule does', async () => {
    const options = { ...(await alertsFixture(rollupRules)), rulesRefreshInterval: '1s' };
    const batches: string[] = [];
    const processor = await startAlerts(options, { kafka: batchRecordingKafka(batches) });
    const events = await alertReader(options);
    const send = await readingProducer(options);
    // paused once the group has offsets on the empty topic: the processor committed its ends
    await eventually(async () => ((await groupHasOffsets(options.groupId, options.measurementsTopic)) ? true : undefined), 'the raw readings paused', 20_000);

    const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
    for (let round = 0; round < 5; round++) {
      await send(Array.from({ length: 40 }, (_, i) => ({ path: `/acme/site/d${i}/temperature`, time: t0 + round * 1000, value: 95 })));
    }
    await everyReadingCommitted(options, 30_000);
    expect(batches.filter((topic) => topic === options.measurementsTopic)).toEqual([]);
    expect(transitionsOf(events, '/acme/site/d0/temperature', t0)).toEqual([]);

    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    await applyRuleDocuments(pool, options.databaseSchema, [{ source: 'rules.yaml', document: parseRuleDocument(withRaw, 'rules.yaml') }]);
    await eventually(async () => (sumMetric(await processor.metrics.metrics(), 'alerts_rules') === 2 ? true : undefined), 'the raw rule in force', 20_000);
    const hot = '/acme/site/d0/temperature';
    await send([{ path: hot, time: t0 + 10_000, value: 99 }]);
    await eventually(() => (transitionsOf(events, hot, t0).length > 0 ? true : undefined), 'the alert of the reading after the rule came', 30_000);
    // the readings of the paused spell stay skipped: only the one after the rule is evaluated
    expect(transitionsOf(events, hot, t0)).toEqual(['firing:critical@10']);
    expect(batches).toContain(options.measurementsTopic);
  });
});
