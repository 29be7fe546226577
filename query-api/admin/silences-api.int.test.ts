/**
 * Silences through the admin API, against PostgreSQL with the real query
 * API server: added, listed, expired, each tenant's own.
 */
import { createToken, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { apiCaller, startQueryApiOn } from '../../test/query-api-fixture';

let registry: Registry;
let base: string;
let acmeAdmin: { token: string; id: string };
let acmeRead: string;
let globexAdmin: string;

beforeAll(async () => {
  registry = await freshRegistry();
  const issued = await createToken(registry, { tenant: 'acme', role: 'admin' });
  acmeAdmin = { token: issued.token, id: issued.record.id };
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  base = await startQueryApiOn(registry, {});
});

const call = (method: string, path: string, token: string, body?: unknown) => apiCaller(base, '/v1/admin/silences')(method, path, token, body);

describe('/v1/admin/silences', () => {
  it('adds, lists and expires a silence; the expired one stays listed with ?expired=true', async () => {
    const endsAt = new Date(Date.now() + 3600_000).toISOString();
    const added = await call('POST', '/acme', acmeAdmin.token, { matchers: ['site=plant1'], endsAt, comment: 'boiler service' });
    expect(added).toMatchObject({ status: 201, body: { tenant: 'acme', matchers: ['site=plant1'], endsAt, createdBy: `token:${acmeAdmin.id}`, comment: 'boiler service' } });
    const { id } = added.body as { id: string };
    expect((await call('GET', '/acme', acmeRead)).body.map((s: { id: string }) => s.id)).toEqual([id]);
    const expired = await call('DELETE', `/acme/${id}`, acmeAdmin.token);
    expect(expired.status).toBe(200);
    expect(Date.parse(expired.body.endsAt)).toBeLessThanOrEqual(Date.now());
    expect((await call('GET', '/acme', acmeRead)).body).toEqual([]);
    expect((await call('GET', '/acme?expired=true', acmeRead)).body.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await call('DELETE', `/acme/${id}`, acmeAdmin.token)).body.code).toBe('SILENCE_NOT_FOUND');
  });

  it('refuses a matcher that does not parse, a read token, and another tenant', async () => {
    const endsAt = new Date(Date.now() + 3600_000).toISOString();
    expect(await call('POST', '/acme', acmeAdmin.token, { matchers: ['site'], endsAt })).toMatchObject({ status: 400, body: { code: 'SILENCE_INVALID' } });
    expect(await call('POST', '/acme', acmeRead, { matchers: ['site=plant1'], endsAt })).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(await call('GET', '/acme', globexAdmin)).toMatchObject({ status: 403, body: { code: 'TENANT_FORBIDDEN' } });
  });
});
