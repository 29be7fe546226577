/**
 * GET /v1/alerts against PostgreSQL: the history the alerts processor keeps
 * in `alert_events` (rows written here as its history consumer writes them),
 * confined to the token's tenant.
 */
import { freshRegistry } from '../registry/registry.fixture';
import type { Registry } from '../registry/registry-connection';
import { eventually, testSettings } from '../test/factories';
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
