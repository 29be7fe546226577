/**
 * The automations through the query API (real server, PostgreSQL, Kafka):
 * an automation PUT through the admin API is what the processor fires, and
 * GET /v1/automations/<id>/runs answers its runs with the execution ids of
 * the handler requests read back from Kafka, within the token's tenant only.
 */
import { createToken } from '../../registry';
import { eventually } from '../../test/factories';
import { startQueryApiOn } from '../../test/query-api-fixture';
import { automationsFixture, requestReader, startAutomations } from './automations.fixture';

describe('automations through the query API', () => {
  it('stores an automation through the admin API, fires it, and answers its runs to its tenant', async () => {
    const fixture = await automationsFixture('tenant: acme\nautomations: []\n');
    const { registry } = fixture;
    const acmeAdmin = (await createToken(registry, { tenant: 'acme', role: 'admin' })).token;
    const acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
    const globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
    const base = await startQueryApiOn(registry, {});
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
    };

    const tick = { trigger: { on: 'schedule', every: '1s' }, actions: [{ handler: 'mqtt_publish', target: { topic: 'fleet/acme/tick' } }] };
    expect(await call('PUT', '/v1/admin/automations/acme/tick', acmeAdmin, tick)).toMatchObject({ status: 200, body: { tenant: 'acme', id: 'tick', revision: 1, source: 'api' } });
    expect(await call('PUT', '/v1/admin/automations/acme/tick', acmeRead, tick)).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(await call('PUT', '/v1/admin/automations/acme/tick', globexAdmin, tick)).toMatchObject({ status: 403, body: { code: 'TENANT_FORBIDDEN' } });
    const invalid = await call('PUT', '/v1/admin/automations/acme/bad', acmeAdmin, { trigger: { on: 'schedule', cron: '0 7 * * *' }, actions: [{ handler: 'mqtt_publish', target: { topic: 'fleet/globex/x' } }] });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'AUTOMATION_INVALID' } });
    expect(invalid.body.message).toContain('trigger.timezone: a cron schedule names its IANA time zone');
    expect((await call('GET', '/v1/admin/automations/acme', acmeRead)).body.map((a: { id: string }) => a.id)).toEqual(['tick']);
    expect(await call('GET', '/v1/admin/automations/acme/bad', acmeRead)).toMatchObject({ status: 404, body: { code: 'AUTOMATION_NOT_FOUND' } });

    const reader = await requestReader(fixture);
    await startAutomations(fixture, { instanceId: 'a' });
    await eventually(() => (reader.records.length >= 3 ? true : undefined), 'three fires', 30_000);
    const sent = new Map(reader.records.map((r) => [r.value.trigger, r.value.executionId]));

    const answer = await eventually(async () => {
      const runs = await call('GET', '/v1/automations/tick/runs', acmeRead);
      return runs.status === 200 && runs.body.runs.length >= 3 ? runs.body : undefined;
    }, 'three runs answered');
    expect(answer).toMatchObject({ tenant: 'acme', automation: 'tick' });
    const runs = answer.runs as { trigger: string; kind: string; firedAt: number; executionIds: string[]; dispatchedAt: number | null; missedSlots: number }[];
    expect(runs.map((r) => r.firedAt)).toEqual([...runs.map((r) => r.firedAt)].sort((a, b) => b - a));
    for (const run of runs.filter((r) => sent.has(r.trigger))) {
      expect(run).toMatchObject({ kind: 'schedule', missedSlots: 0, executionIds: [sent.get(run.trigger)] });
      expect(run.trigger).toBe(`schedule:${new Date(run.firedAt).toISOString()}`);
    }
    expect(runs.filter((r) => sent.has(r.trigger)).length).toBeGreaterThanOrEqual(3);
    expect((await call('GET', '/v1/automations/tick/runs?limit=1', acmeRead)).body.runs).toHaveLength(1);

    // another tenant's token sees no such automation; asking for acme is refused
    expect(await call('GET', '/v1/automations/tick/runs', globexAdmin)).toMatchObject({ status: 404, body: { code: 'AUTOMATION_NOT_FOUND' } });
    expect(await call('GET', '/v1/automations/tick/runs?tenant=acme', globexAdmin)).toMatchObject({ status: 403, body: { code: 'PATH_OUTSIDE_TENANT' } });
    expect(await call('DELETE', '/v1/admin/automations/acme/tick', acmeAdmin)).toMatchObject({ status: 204 });
  }, 90_000);
});
