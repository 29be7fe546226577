/**
 * GET /v1/alerts against PostgreSQL: the history the alerts processor keeps
 * in `alert_events` (rows written here as its history consumer writes them),
 * confined to the token's tenant.
 */
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { AlertEvent } from '../schemas/types';
import { eventually, freshTopic, onCleanup, testKafka, testSettings } from '../test/factories';
import { startQueryApiOn } from '../test/query-api-fixture';

const acmeToken = 'acme-token-0123456789abcdef';
const globexToken = 'globex-token-0123456789abcdef';
const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('GET /v1/alerts', () => {
  let registry: Registry;
  let base: string;

  beforeAll(async () => {
    registry = await freshRegistry();
    const row = (alarm: string, transition: string, seconds: number, path: string, severity: string | null) => [alarm, transition, new Date(t0 + seconds * 1000), path.split('/')[1], 'hot', path, 'normal', 'pending', severity, null, 85, 'raw', new Date(t0), '{"team":"heating"}', new Date()];
    for (const values of [
      row('a1', 'pending', 30, '/acme/plant1/boiler1/temperature', 'warning'),
      row('a1', 'firing', 90, '/acme/plant1/boiler1/temperature', 'warning'),
      row('a1', 'resolved', 210, '/acme/plant1/boiler1/temperature', null),
      row('a2', 'pending', 60, '/acme/plant2/boiler7/temperature', 'warning'),
      row('g1', 'firing', 45, '/globex/site1/oven/temperature', 'critical'),
    ]) {
      await registry.pool.query(
        `insert into "${registry.schema}".alert_events (alarm_id, transition, event_time, tenant, rule_id, path, from_status, to_status, severity, previous_severity, value, reads, episode_start, labels, emitted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        values,
      );
    }
    base = await startQueryApiOn(registry, { tokens: `${acmeToken}:acme,${globexToken}:globex`, kafkaBrokers: testSettings().kafkaBrokers, schemaRegistryUrl: testSettings().schemaRegistryUrl });
  });

  async function get(query: string, token = acmeToken): Promise<{ status: number; body: { events?: Record<string, unknown>[]; code?: string } }> {
    const response = await fetch(`${base}/v1/alerts${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { events?: Record<string, unknown>[] } };
  }

  it("answers the token's tenant's events, oldest first, by prefix, alarm id and time range", async () => {
    const all = await eventually(async () => { const answer = await get(''); return answer.status === 200 ? answer : undefined; }, 'the API to answer');
    expect(all.body.events!.map((e) => [e.alarmId, e.transition, e.time])).toEqual([
      ['a1', 'pending', t0 + 30_000],
      ['a2', 'pending', t0 + 60_000],
      ['a1', 'firing', t0 + 90_000],
      ['a1', 'resolved', t0 + 210_000],
    ]);
    expect(all.body.events![0]).toEqual({
      alarmId: 'a1', transition: 'pending', time: t0 + 30_000, tenant: 'acme', ruleId: 'hot', path: '/acme/plant1/boiler1/temperature', from: 'normal', to: 'pending',
      severity: 'warning', previousSeverity: null, value: 85, reads: 'raw', episodeStart: t0, labels: { team: 'heating' },
    });
    expect((await get('?prefix=/acme/plant2')).body.events!.map((e) => e.alarmId)).toEqual(['a2']);
    expect((await get('?alarmId=a1&since=2026-12-01T12:01:00Z&until=2026-12-01T12:03:30Z')).body.events!.map((e) => e.transition)).toEqual(['firing']);
    expect((await get('?limit=1')).body.events).toHaveLength(1);
    expect((await get('', globexToken)).body.events!.map((e) => e.alarmId)).toEqual(['g1']);
  });

  it("refuses a prefix outside the token's tenant", async () => {
    const refused = await get('?prefix=/globex');
    expect(refused).toMatchObject({ status: 403, body: { code: 'PATH_OUTSIDE_TENANT' } });
  });
});

describe('GET /v1/alerts/live', () => {
  it("streams the alert events committed under the prefix, in the token's tenant only", async () => {
    const registry = await freshRegistry();
    const alertsTopic = await freshTopic({ prefix: 'test.alerts' });
    const base = await startQueryApiOn(registry, { tokens: `${acmeToken}:acme`, kafkaBrokers: testSettings().kafkaBrokers, schemaRegistryUrl: testSettings().schemaRegistryUrl, alertsTopic });
    const codec = new AvroCodec<AlertEvent>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(alertsTopic), avroSchemas.AlertEvent);
    await codec.register();
    const producer = testKafka().producer();
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const event = (path: string, alarmId: string): AlertEvent => ({
      alarmId, tenant: path.split('/')[1]!, ruleId: 'hot', path, transition: 'firing', from: 'pending', to: 'firing', severity: 'warning', previousSeverity: 'warning',
      value: 85, reads: 'raw', eventTime: t0 + 90_000, episodeStart: t0 + 30_000, labels: {}, emittedAt: Date.now(),
    });

    const response = await fetch(`${base}/v1/alerts/live?prefix=/acme/plant1`, { headers: { authorization: `Bearer ${acmeToken}` } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })();
    await eventually(() => (text.includes('event: subscribed') ? true : undefined), 'subscribed');
    // the feed reads from the topic's end as it joins: send until one arrives
    await eventually(async () => {
      await producer.send({
        topic: alertsTopic,
        messages: [
          { key: '/acme/plant2/other/temperature', value: codec.encode(event('/acme/plant2/other/temperature', 'elsewhere')) },
          { key: '/acme/plant1/boiler1/temperature', value: codec.encode(event('/acme/plant1/boiler1/temperature', 'wanted')) },
        ],
      });
      return text.includes('event: alert') ? true : undefined;
    }, 'an alert event streamed', 30_000, 500);
    const first = /event: alert\ndata: (.*)\n/.exec(text)![1]!;
    expect(JSON.parse(first)).toEqual({
      alarmId: 'wanted', transition: 'firing', time: t0 + 90_000, tenant: 'acme', ruleId: 'hot', path: '/acme/plant1/boiler1/temperature', from: 'pending', to: 'firing',
      severity: 'warning', previousSeverity: 'warning', value: 85, reads: 'raw', episodeStart: t0 + 30_000, labels: {},
    });
    expect(text).not.toContain('elsewhere');
    await reader.cancel();
    await pump;

    const outside = await fetch(`${base}/v1/alerts/live?prefix=/globex`, { headers: { authorization: `Bearer ${acmeToken}` } });
    expect(outside.status).toBe(403);
  }, 60_000);
});
