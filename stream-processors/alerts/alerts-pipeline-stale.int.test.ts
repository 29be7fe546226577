/**
 * No-data alerts against a real rollups processor: a device that stops
 * opens one; stopping the rollups processor opens one pipeline-stale alert
 * instead of a no-data alert for every device, and it resolves once the
 * rollups caught up.
 */
import type { AlertEvent, Rollup } from '../../schemas/types';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { measurementProducer, reading, rollupsFixture, startRollups } from '../rollups/rollups.fixture';
import { alertReader, alertsFixture, startAlerts } from './alerts.fixture';

const rules = `
tenant: acme
rules:
  - id: quiet-meter
    series: ['/acme/*/*/power']
    reads: 5s mean
    severities: [{ severity: warning, when: '> 1000000' }]
    noData: { after: 10s, severity: warning }
`;

const stopping = '/acme/plant1/meter-a/power';
const going = '/acme/plant1/meter-b/power';
const stalePath = '/acme/_pipeline/5s/lag';

describe('no-data alerts behind a real rollups processor', () => {
  it('fires for a device that stops, and, while the rollups processor is stopped, fires pipeline-stale and no no-data for any device', async () => {
    const rollupsSetup = await rollupsFixture({ resolutions: ['5s'], allowedLateness: '1s', idleTimeout: '2s', provisionalInterval: '1s' });
    const alertsSetup = await alertsFixture(rules);
    const options = {
      ...alertsSetup,
      measurementsTopic: rollupsSetup.options.measurementsTopic,
      rollupTopicTemplate: rollupsSetup.options.rollupTopicTemplate,
      resolutions: ['5s'],
      rollupsResolutions: ['5s'],
      rollupsGroupIdPrefix: rollupsSetup.options.groupIdPrefix,
      noDataCheckInterval: '1s',
      pipelineStaleAfter: '8s',
    };
    let rollups = await startRollups(rollupsSetup.options);
    await startAlerts(options);
    const events = await alertReader(alertsSetup);
    const finals = await TopicReader.start<Rollup>(rollupsSetup.rollupTopic('5s'));
    const eventsOf = (path: string): AlertEvent[] => events.records.filter((r) => r.value.path === path).map((r) => r.value);
    const newestFinal = (path: string) => Math.max(0, ...finals.records.filter((r) => r.value.path === path && r.value.final).map((r) => Number(r.value.windowEnd)));

    const producer = await measurementProducer(rollupsSetup.options.measurementsTopic);
    const publishing = new Set([stopping, going]);
    let sending = Promise.resolve();
    const timer = setInterval(() => {
      sending = sending.then(() => producer.send([...publishing].map((path) => reading(path, 'non_additive', Date.now(), 5))));
    }, 200);
    try {
      await eventually(() => (newestFinal(stopping) > 0 && newestFinal(going) > 0) || undefined, 'final rollups of both meters', 60_000);
      publishing.delete(stopping);
      const noData = await eventually(() => eventsOf(stopping).find((e) => e.transition === 'no_data'), 'a no-data alert for the meter that stopped', 60_000);
      expect(noData).toMatchObject({ ruleId: 'quiet-meter', to: 'no_data', severity: 'warning' });
      expect(eventsOf(going)).toEqual([]);
      expect(eventsOf(stalePath)).toEqual([]);

      await rollups.stop();
      const stale = await eventually(() => eventsOf(stalePath).find((e) => e.transition === 'firing'), 'the pipeline-stale alert', 60_000);
      expect(stale).toMatchObject({ tenant: 'acme', ruleId: '_pipeline-stale', severity: 'critical', labels: { pipeline: 'stale', input: '5s' } });
      // silent for the rule by now, had the clock not stopped with the rollups
      await eventually(() => Date.now() - newestFinal(going) > 15_000 || undefined, 'the meter still publishing to look silent for longer than noData.after', 60_000);
      expect(eventsOf(going)).toEqual([]);

      rollups = await startRollups(rollupsSetup.options);
      await eventually(() => eventsOf(stalePath).find((e) => e.transition === 'resolved'), 'the pipeline-stale alert to resolve', 60_000);
      expect(eventsOf(stalePath).map((e) => e.transition)).toEqual(['firing', 'resolved']);
      expect(eventsOf(going)).toEqual([]);
      expect(eventsOf(stopping).map((e) => e.transition)).toEqual(['no_data']);
    } finally {
      clearInterval(timer);
      await sending;
    }
  }, 240_000);
});
