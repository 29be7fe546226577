/**
 * Acknowledge, assign and comment on an alarm through the admin API, against
 * PostgreSQL with the real query API server: kept apart from the alarm's
 * state, so a later transition of the alarm leaves them as they were.
 */
import { createToken, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { apiCaller, startQueryApiOn } from '../../test/query-api-fixture';

let registry: Registry;
let base: string;
let acmeAdmin: { token: string; id: string };
let acmeRead: string;
let globexAdmin: string;

async function transition(alarmId: string, kind: string, seconds: number): Promise<void> {
  const t = new Date(Date.UTC(2026, 11, 1, 12, 0, seconds));
  await registry.pool.query(
    `insert into "${registry.schema}".alert_events (alarm_id, transition, event_time, tenant, rule_id, path, from_status, to_status, severity, previous_severity, value, reads, episode_start, labels, emitted_at)
     values ($1, $2, $3, 'acme', 'hot', '/acme/plant1/boiler1/temperature', 'pending', 'firing', 'warning', null, 85, 'raw', $3, '{}', now())`,
    [alarmId, kind, t],
  );
}

beforeAll(async () => {
  registry = await freshRegistry();
  const issued = await createToken(registry, { tenant: 'acme', role: 'admin' });
  acmeAdmin = { token: issued.token, id: issued.record.id };
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  base = await startQueryApiOn(registry, {});
  await transition('alarm-1', 'firing', 30);
});

const call = (method: string, path: string, token: string, body?: unknown) => apiCaller(base, '/v1/admin/alarms')(method, path, token, body);

describe('/v1/admin/alarms', () => {
  it('acknowledges (the first acknowledgement stands), assigns and comments, and a later transition wipes none of it', async () => {
    expect((await call('GET', '/acme/alarm-1', acmeRead)).body).toEqual({ alarmId: 'alarm-1', tenant: 'acme', acknowledgedAt: null, acknowledgedBy: null, assignee: null, comments: [] });
    const acknowledged = await call('POST', '/acme/alarm-1/acknowledge', acmeAdmin.token);
    expect(acknowledged).toMatchObject({ status: 200, body: { acknowledgedBy: acmeAdmin.id, acknowledgedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    expect((await call('POST', '/acme/alarm-1/acknowledge', acmeAdmin.token)).body.acknowledgedAt).toBe(acknowledged.body.acknowledgedAt);
    expect((await call('PUT', '/acme/alarm-1/assignee', acmeAdmin.token, { assignee: 'ops-oncall' })).body.assignee).toBe('ops-oncall');
    await call('POST', '/acme/alarm-1/comments', acmeAdmin.token, { text: 'valve stuck, crew on the way' });
    const commented = await call('POST', '/acme/alarm-1/comments', acmeAdmin.token, { text: 'fixed' });
    expect(commented.body.comments.map((c: { text: string; by: string }) => [c.text, c.by])).toEqual([['valve stuck, crew on the way', acmeAdmin.id], ['fixed', acmeAdmin.id]]);

    await transition('alarm-1', 'resolved', 90);
    expect((await call('GET', '/acme/alarm-1', acmeRead)).body).toMatchObject({ acknowledgedBy: acmeAdmin.id, assignee: 'ops-oncall', comments: [{ text: 'valve stuck, crew on the way' }, { text: 'fixed' }] });
  });

  it('refuses an unknown alarm, a read token writing, and another tenant', async () => {
    expect(await call('POST', '/acme/nothing/acknowledge', acmeAdmin.token)).toMatchObject({ status: 404, body: { code: 'ALERT_NOT_FOUND' } });
    expect(await call('POST', '/acme/alarm-1/comments', acmeRead, { text: 'x' })).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(await call('GET', '/acme/alarm-1', globexAdmin)).toMatchObject({ status: 403, body: { code: 'TENANT_FORBIDDEN' } });
    // another tenant's path to the same alarm id finds nothing
    expect(await call('GET', '/globex/alarm-1', globexAdmin)).toMatchObject({ status: 404, body: { code: 'ALERT_NOT_FOUND' } });
  });
});
