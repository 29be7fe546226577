/**
 * The admin API's alert rules against PostgreSQL with the real query API
 * server: what it stores is what `fleetstream alerts apply` stores and the
 * alerts processor reads (loadRules), validated the same way, per tenant.
 */
import { createToken, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { loadRules } from '../../stream-processors/alerts/rule-store';
import { apiCaller, startQueryApiOn } from '../../test/query-api-fixture';

let registry: Registry;
let base: string;
let acmeAdmin: string;
let acmeRead: string;
let globexAdmin: string;

beforeAll(async () => {
  registry = await freshRegistry();
  acmeAdmin = (await createToken(registry, { tenant: 'acme', role: 'admin' })).token;
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  base = await startQueryApiOn(registry, {});
});

const call = (method: string, path: string, token: string, body?: unknown) => apiCaller(base, '/v1/admin/alert-rules')(method, path, token, body);

const hot = { series: ['/acme/plant1/*/temperature'], reads: '1m mean', severities: [{ severity: 'warning', when: '> 80', for: '5m' }], clear: { when: '< 75', for: '10m' } };

describe('/v1/admin/alert-rules', () => {
  it('creates, reads, replaces and removes a rule; an unchanged PUT keeps the revision; the processor reads what it stored', async () => {
    const created = await call('PUT', '/acme/boiler-hot', acmeAdmin, hot);
    expect(created).toMatchObject({ status: 200, body: { tenant: 'acme', id: 'boiler-hot', revision: 1, source: 'api', definition: { ...hot, id: 'boiler-hot' } } });
    expect((await call('PUT', '/acme/boiler-hot', acmeAdmin, hot)).body.revision).toBe(1);
    const changed = await call('PUT', '/acme/boiler-hot', acmeAdmin, { ...hot, keepFiringFor: '15m' });
    expect(changed.body).toMatchObject({ revision: 2, definition: { keepFiringFor: '15m' } });
    expect((await call('GET', '/acme', acmeRead)).body.map((r: { id: string }) => r.id)).toEqual(['boiler-hot']);
    const stored = await loadRules(registry.pool, registry.schema);
    expect(stored.rules).toEqual([expect.objectContaining({ tenant: 'acme', id: 'boiler-hot', keepFiringForMs: 900_000, reads: { kind: 'rollup', resolution: '1m', field: 'mean' } })]);

    expect(await call('DELETE', '/acme/boiler-hot', acmeAdmin)).toEqual({ status: 204, body: undefined });
    expect(await call('GET', '/acme/boiler-hot', acmeRead)).toMatchObject({ status: 404, body: { code: 'ALERT_RULE_NOT_FOUND' } });
    expect(await call('DELETE', '/acme/boiler-hot', acmeAdmin)).toMatchObject({ status: 404, body: { code: 'ALERT_RULE_NOT_FOUND' } });
  });

  it('refuses an invalid rule naming every problem, a read token writing, and another tenant', async () => {
    const invalid = await call('PUT', '/acme/bad', acmeAdmin, { series: ['/globex/**'], severities: [{ severity: 'w', when: 'hot', for: 'soon' }] });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'ALERT_RULE_INVALID' } });
    expect(invalid.body.message).toMatch(/"hot" is no threshold/);
    expect(invalid.body.message).toMatch(/"soon" is not a duration/);
    const outside = await call('PUT', '/acme/bad', acmeAdmin, { series: ['/globex/**'], severities: [{ severity: 'w', when: '> 1' }] });
    expect(outside.body.message).toMatch(/pattern "\/globex\/\*\*" lies outside tenant acme/);
    expect(await call('PUT', '/acme/x', acmeRead, hot)).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(await call('GET', '/acme', globexAdmin)).toMatchObject({ status: 403, body: { code: 'TENANT_FORBIDDEN' } });
    expect((await call('GET', '/acme', acmeAdmin)).body).toEqual([]);
  });
});
