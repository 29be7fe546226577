/**
 * The alerts processor against the real Kafka, schema registry and
 * PostgreSQL: rules applied to a fresh schema, readings and rollups produced
 * to fresh topics, alert events read back from its output topic.
 */
import type { AlertEvent } from '../../schemas/types';
import { Pool } from 'pg';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { parseRuleDocument } from '../../schemas/alert-rule';
import { alertReader, alertsFixture, readingProducer, rollupProducer, startAlerts, transitionsOf } from './alerts.fixture';
import { applyRuleDocuments } from './rule-store';

const rules = `
tenant: acme
rules:
  - id: boiler-hot
    series: ['/acme/*/*/temperature']
    severities:
      - { severity: warning, when: '> 80', for: 1m }
      - { severity: critical, when: '> 90', for: 30s }
    clear: { when: '< 75', for: 30s }
    labels: { team: heating }
  - id: pump-peak
    series: ['/acme/*/*/pressure']
    reads: 1m max
    severities: [{ severity: critical, when: '> 100' }]
  - id: silent
    series: ['/acme/*/*/heartbeat']
    severities: [{ severity: warning, when: '> 1000' }]
    noData: { after: 2s, severity: warning }
`;

describe('the alerts processor', () => {
  const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  let options: Awaited<ReturnType<typeof alertsFixture>>;
  let events: Awaited<ReturnType<typeof alertReader>>;
  let processor: Awaited<ReturnType<typeof startAlerts>>;

  beforeAll(async () => {
    options = { ...(await alertsFixture(rules)), noDataCheckInterval: '1s', rulesRefreshInterval: '1s' };
    processor = await startAlerts(options);
    events = await alertReader(options);
  });

  it('turns readings into pending, firing, escalated and resolved events of one alarm id, in event time', async () => {
    const send = await readingProducer(options);
    const boiler = '/acme/plant1/boiler1/temperature';
    const calm = '/acme/plant1/boiler2/temperature';
    const values = [70, 85, 85, 85, 95, 95, 70, 70, 70];
    await send(values.flatMap((value, i) => [{ path: boiler, time: t0 + i * 30_000, value }, { path: calm, time: t0 + i * 30_000, value: 60 }]));
    // generous: on a new cluster the first transaction waits for the transaction coordinator
    const episode = await eventually(() => { const e = events.records.filter((r) => r.value.path === boiler); return e.length >= 5 ? e.map((r) => r.value) : undefined; }, 'five events of the boiler', 60_000);
    expect(transitionsOf(events, boiler, t0)).toEqual(['pending:warning@30', 'firing:warning@90', 'escalated:critical@150', 'recovering:critical@180', 'resolved@210']);
    expect(new Set(episode.map((e) => e.alarmId)).size).toBe(1);
    expect(episode[1]).toMatchObject({ tenant: 'acme', ruleId: 'boiler-hot', from: 'pending', to: 'firing', value: 85, reads: 'raw', labels: { team: 'heating' } });
    expect(Number(episode[1]!.episodeStart)).toBe(t0 + 30_000);
    expect(events.records.filter((r) => r.value.path === boiler).every((r) => r.key === boiler)).toBe(true);
    expect(transitionsOf(events, calm, t0)).toEqual([]);

    // a reading older than the newest evaluated changes nothing; a later episode has another id
    await send([{ path: boiler, time: t0 + 60_000, value: 99 }, { path: boiler, time: t0 + 600_000, value: 88 }]);
    const next = await eventually(() => events.records.filter((r) => r.value.path === boiler)[5]?.value, 'the next episode');
    expect(next).toMatchObject({ transition: 'pending', severity: 'warning', value: 88 });
    expect(next.alarmId).not.toBe(episode[0]!.alarmId);

    const metrics = await processor.metrics.metrics();
    /** a sample's value, the labels given and the component's */
    const sample = (name: string, labels = '') => Number(new RegExp(`^${name}\\{${labels}${labels ? ',' : ''}component="alerts"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('alerts_transitions_total', 'transition="escalated",severity="critical"')).toBe(1);
    expect(sample('alerts_transitions_total', 'transition="resolved",severity="none"')).toBe(1);
    expect(sample('alerts_evaluations_total', 'reads="raw"')).toBeGreaterThanOrEqual(values.length * 2 + 2);
    expect(sample('alerts_late_readings_total')).toBe(1);
    // the boiler's second episode is pending; every other pair is idle
    expect(sample('alerts_states')).toBe(1);
  });

  it('keeps every event in PostgreSQL (alert_events), once each', async () => {
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const boiler = '/acme/plant1/boiler1/temperature';
    const inTopic = events.records.filter((r) => r.value.path === boiler).map((r) => [r.value.alarmId, r.value.transition, Number(r.value.eventTime)]);
    const rows = await eventually(async () => {
      const found = await pool.query<{ alarm_id: string; transition: string; event_time: Date; severity: string | null; labels: unknown }>(
        `select alarm_id, transition, event_time, severity, labels from "${options.databaseSchema}".alert_events where path = $1 order by event_time, transition`,
        [boiler],
      );
      return found.rows.length >= inTopic.length ? found.rows : undefined;
    }, `the boiler's ${inTopic.length} events in alert_events`);
    expect(rows.map((r) => [r.alarm_id, r.transition, r.event_time.getTime()])).toEqual(inTopic);
    expect(rows.find((r) => r.transition === 'escalated')).toMatchObject({ severity: 'critical', labels: { team: 'heating' } });
  });

  it('never fires on provisional rollups: only a final one pages, and its corrected revision of the same window changes nothing', async () => {
    const send = await rollupProducer(options);
    const pump = '/acme/plant2/pump1/pressure';
    const w = (minute: number) => t0 + minute * 60_000;
    await send([
      { path: pump, windowStart: w(0), max: 500, final: false, revision: 1 },
      { path: pump, windowStart: w(0), max: 50, final: true, revision: 2 },
      { path: pump, windowStart: w(1), max: 700, final: false, revision: 1 },
      { path: pump, windowStart: w(1), max: 150, final: true, revision: 2 },
      { path: pump, windowStart: w(1), max: 30, final: true, revision: 3 },
      { path: pump, windowStart: w(2), max: 90, final: true, revision: 2 },
    ]);
    await eventually(() => (events.records.filter((r) => r.value.path === pump).length >= 2 ? true : undefined), 'the pump firing and resolved', 60_000);
    const pumpEvents = events.records.filter((r) => r.value.path === pump).map((r) => r.value);
    // windows end a minute after they start: the firing reading is window 1's final max, at its end
    expect(transitionsOf(events, pump, t0)).toEqual(['firing:critical@120', 'resolved@180']);
    expect(pumpEvents.map((e) => [e.value, e.reads])).toEqual([[150, '1m max'], [90, '1m max']]);
  });

  it('opens a no-data alert, by the wall clock, for a series that stops reporting, not for one that goes on, and resolves it with the next reading', async () => {
    const send = await readingProducer(options);
    const quiet = '/acme/plant4/gw1/heartbeat';
    const busy = '/acme/plant4/gw2/heartbeat';
    await send([{ path: quiet, time: Date.now(), value: 1 }]);
    const started = Date.now();
    let noData: AlertEvent | undefined;
    while (!noData && Date.now() - started < 20_000) {
      await send([{ path: busy, time: Date.now(), value: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 250));
      noData = events.records.find((r) => r.value.path === quiet)?.value;
    }
    expect(noData).toMatchObject({ transition: 'no_data', to: 'no_data', severity: 'warning', value: null });
    // two seconds after its reading, and at most a check interval and a little later
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await send([{ path: quiet, time: Date.now(), value: 1 }]);
    const resolved = await eventually(() => events.records.filter((r) => r.value.path === quiet)[1]?.value, 'the no-data alert resolved');
    expect(resolved).toMatchObject({ transition: 'resolved', from: 'no_data', alarmId: noData!.alarmId });
    expect(events.records.filter((r) => r.value.path === busy)).toEqual([]);
  }, 30_000);

  it('dead-letters a record that does not decode, and goes on with the records after it', async () => {
    const deadLetters = await TopicReader.start<{ source: string; reason: string }>(options.deadLetterTopic);
    const { testKafka } = await import('../../test/factories');
    const producer = testKafka().producer();
    await producer.connect();
    const path = '/acme/plant3/boiler9/temperature';
    await producer.send({ topic: options.measurementsTopic, messages: [{ key: path, value: Buffer.from('not avro') }] });
    await producer.disconnect();
    const send = await readingProducer(options);
    await send([{ path, time: t0, value: 99 }]);
    expect(await eventually(() => deadLetters.records[0]?.value, 'a dead letter')).toMatchObject({ source: 'alerts', reason: 'undecodable' });
    expect((await eventually(() => events.records.find((r) => r.value.path === path)?.value, 'the next reading evaluated')).transition).toBe('pending');
  });

  it('takes a rule applied while it runs at its next reading of the rules', async () => {
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const added = `${rules}  - id: wet\n    series: ['/acme/*/*/humidity']\n    severities: [{ severity: warning, when: '> 95' }]\n`;
    const changes = await applyRuleDocuments(pool, options.databaseSchema, [{ source: 'rules.yaml', document: parseRuleDocument(added, 'rules.yaml') }]);
    expect(changes.map((c) => `${c.change} ${c.id}`)).toEqual(['created wet']);
    const send = await readingProducer(options);
    const cellar = '/acme/plant5/cellar/humidity';
    // until the rules are read again, readings of the new rule's series are evaluated by no rule
    const fired = await eventually(async () => {
      await send([{ path: cellar, time: Date.now(), value: 99 }]);
      return events.records.find((r) => r.value.path === cellar)?.value;
    }, 'the new rule firing', 20_000, 500);
    expect(fired).toMatchObject({ ruleId: 'wet', transition: 'firing', severity: 'warning' });

    // a rule removed: its open episodes end, at their newest reading
    const withoutHot = added.replace(/ {2}- id: boiler-hot[\s\S]*?(?= {2}- id: pump-peak)/, '');
    const removal = await applyRuleDocuments(pool, options.databaseSchema, [{ source: 'rules.yaml', document: parseRuleDocument(withoutHot, 'rules.yaml') }]);
    expect(removal.map((c) => `${c.change} ${c.id}`)).toEqual(['deleted boiler-hot']);
    const boiler = '/acme/plant1/boiler1/temperature';
    const pending = events.records.filter((r) => r.value.path === boiler).at(-1)!.value;
    expect(pending.transition).toBe('pending');
    const cancelled = await eventually(() => events.records.find((r) => r.value.path === boiler && r.value.transition === 'cancelled')?.value, 'the pending boiler alert cancelled');
    expect(cancelled).toMatchObject({ ruleId: 'boiler-hot', alarmId: pending.alarmId, from: 'pending', to: 'normal', value: null });
    expect(Number(cancelled.eventTime)).toBe(t0 + 600_000);
  });
});
