/**
 * GET /v1/handler-executions and /v1/handler-executions/<id> (real server and
 * PostgreSQL): a tenant's executions newest first, filtered, one with its
 * credentials redacted, and nothing of another tenant's.
 */
import { createToken } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import { inlineSecret, insertExecutions } from '../stream-processors/handlers/execution-rows.fixture';
import { startQueryApiOn } from '../test/query-api-fixture';

describe('the handler executions through the query API', () => {
  it("answers the token's tenant's executions, newest first and filtered, and one with its credentials redacted", async () => {
    const registry = await freshRegistry();
    await insertExecutions(registry);
    const acme = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
    const beta = (await createToken(registry, { tenant: 'beta', role: 'read' })).token;
    const base = await startQueryApiOn(registry, {});
    const get = async (path: string, token: string) => {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
    };
    const ids = async (query: string) => (await get(`/v1/handler-executions${query}`, acme)).body.executions.map((e: { executionId: string }) => e.executionId);

    const all = await get('/v1/handler-executions', acme);
    expect(all.status).toBe(200);
    expect(all.body.tenant).toBe('acme');
    expect(all.body.executions).toEqual([
      expect.objectContaining({ executionId: 'e-2', handler: 'webhook', originKind: 'notification', originId: 'oncall', state: 'RETRYING', attempts: 3, detail: 'HTTP 503 from https://hooks.example.com', requestedAt: Date.parse('2026-12-03T10:05:00Z'), finishedAt: null }),
      expect.objectContaining({ executionId: 'e-1', state: 'SUCCEEDED', finishedAt: Date.parse('2026-12-03T10:00:00Z') }),
    ]);
    expect(await ids('?state=SUCCEEDED')).toEqual(['e-1']);
    expect(await ids('?origin=notification/oncall')).toEqual(['e-2']);
    expect(await ids('?before=2026-12-03T10:05:00Z')).toEqual(['e-1']);
    expect(await ids('?limit=1')).toEqual(['e-2']);
    expect(await get('/v1/handler-executions?origin=oncall', acme)).toMatchObject({ status: 400 });

    const one = await get('/v1/handler-executions/e-2', acme);
    expect(one).toMatchObject({ status: 200, body: { executionId: 'e-2', target: { url: 'https://hooks.example.com/a', secret: '***', headers: { Authorization: '***', 'X-Team': 'ops' } }, firedAt: Date.parse('2026-12-03T10:05:00Z') } });
    expect(JSON.stringify(one.body)).not.toContain(inlineSecret);

    // another tenant's execution is answered as missing, and its list is its own
    expect(await get('/v1/handler-executions/e-2', beta)).toMatchObject({ status: 404, body: { code: 'EXECUTION_NOT_FOUND' } });
    expect(await get('/v1/handler-executions?tenant=acme', beta)).toMatchObject({ status: 403, body: { code: 'PATH_OUTSIDE_TENANT' } });
    expect((await get('/v1/handler-executions', beta)).body.executions.map((e: { executionId: string }) => e.executionId)).toEqual(['e-3']);
  }, 60_000);
});
