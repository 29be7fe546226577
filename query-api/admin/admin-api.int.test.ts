/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * The admin API against PostgreSQL with the real query API server: every REST
 * and GraphQL operation, tenant isolation, roles, revocation, the GraphQL
 * limits, and credentials shown once.
 */
import { addDevice, createToken, setSeriesSetting, verifyDeviceCredentials, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { eventually } from '../../test/factories';
import { startQueryApiOn } from '../../test/query-api-fixture';

const staticToken = 'static-acme-token-0123456789';

let registry: Registry;
let base: string;
let platform: string;
let acmeAdmin: string;
let acmeRead: string;
let globexAdmin: string;

async function rest(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(base + path, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function graphql(token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  return rest('POST', '/v1/graphql', token, { query, ...(variables === undefined ? {} : { variables }) });
}

/** The error codes of a GraphQL answer, in order. */
function codes(answer: { body: any }): string[] {
  return (answer.body.errors ?? []).map((error: any) => error.extensions?.code);
}

beforeAll(async () => {
  registry = await freshRegistry();
  platform = (await createToken(registry, { tenant: null, role: 'admin', description: 'platform' })).token;
  acmeAdmin = (await createToken(registry, { tenant: 'acme', role: 'admin' })).token;
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  base = await startQueryApiOn(registry, {
    tokens: `${staticToken}:acme`,
    // long enough that only the registry's notification can explain a revocation taking effect within seconds
    tokenCacheTtl: '60s',
    graphqlMaxCost: 4000,
  });
  // what the tests read: a gateway with a child and two series, and another tenant's device
  const gw = { tenant: 'acme', site: 'plant1', device: 'gw' };
  await addDevice(registry, gw, { tags: { model: 'EM24' }, location: { latitude: 52.37, longitude: 4.89 } });
  await addDevice(registry, { tenant: 'acme', site: 'plant1', device: 'node-1' }, { parent: gw, location: { description: 'cellar' } });
  await setSeriesSetting(registry, '/acme/plant1/gw/kwh', { kind: 'energy', unit: 'kWh' });
  await setSeriesSetting(registry, '/acme/plant1/gw/temp', { kind: 'non_additive' });
  await addDevice(registry, { tenant: 'globex', site: 'hq', device: 'gw' });
});

describe('admin REST API', () => {
  it('adds a device with 201 and its credentials once; no later answer shows the password', async () => {
    const added = await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant4', device: 'gw4', tags: { model: 'X' }, location: { latitude: 10, longitude: 20, altitude: 5 } });
    expect(added.status).toBe(201);
    expect(added.body.device).toMatchObject({ name: 'acme/plant4/gw4', tags: { model: 'X' }, location: { latitude: 10, longitude: 20, altitude: 5 }, parent: null, state: 'active' });
    const { password, username } = added.body.credentials;
    expect(username).toBe('acme/plant4/gw4');
    expect(await verifyDeviceCredentials(registry, username, password)).toMatchObject({ device: 'gw4' });
    const child = await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant4', device: 'node-4', parent: 'acme/plant4/gw4', location: { description: 'shed' } });
    expect(child.status).toBe(201);
    expect(child.body.device.parent).toEqual({ tenant: 'acme', site: 'plant4', device: 'gw4' });

    const later = [
      await rest('GET', '/v1/admin/devices/acme/plant4/gw4', acmeAdmin),
      await rest('GET', '/v1/admin/devices?tenant=acme', acmeAdmin),
      await rest('GET', '/v1/admin/hierarchy', acmeAdmin),
      await graphql(acmeAdmin, '{ device(tenant: "acme", site: "plant4", device: "gw4") { name credentialsIssuedAt children { name } } }'),
    ];
    for (const answer of later) {
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.body)).not.toContain(password);
    }
    expect(later[0]!.body).toMatchObject({ name: 'acme/plant4/gw4', children: [{ tenant: 'acme', site: 'plant4', device: 'node-4' }], credentialsIssuedAt: expect.any(String) });
    expect(later[0]!.body).not.toHaveProperty('password');
  });

  it('answers the registry errors with the query API error body: 409 exists, 400 invalid, 404 not found, 409 revoked', async () => {
    const taken = await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant1', device: 'gw' });
    expect(taken).toMatchObject({ status: 409, body: { statusCode: 409, code: 'DEVICE_EXISTS', message: expect.any(String) } });
    expect(await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant1', device: 'a+b' })).toMatchObject({ status: 400, body: { code: 'NAME_INVALID' } });
    expect(await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant1', device: 'x', location: { latitude: 95, longitude: 0 } })).toMatchObject({ status: 400, body: { code: 'REGISTRY_INPUT_INVALID' } });
    expect(await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant1' })).toMatchObject({ status: 400, body: { code: 'QUERY_INVALID' } });
    expect(await rest('GET', '/v1/admin/devices/acme/plant1/nope', acmeAdmin)).toMatchObject({ status: 404, body: { code: 'DEVICE_NOT_FOUND' } });
    expect(await rest('GET', '/v1/admin/tenants/nope', platform)).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });
    expect(await rest('POST', '/v1/admin/tokens/0123456789abcdef/revoke', platform)).toMatchObject({ status: 404, body: { code: 'TOKEN_NOT_FOUND' } });
    expect(await rest('GET', '/v1/admin/devices/acme/plant1/gw/series/none', acmeAdmin)).toMatchObject({ status: 404, body: { code: 'SERIES_SETTING_NOT_FOUND' } });
    await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant1', device: 'gone' });
    expect((await rest('POST', '/v1/admin/devices/acme/plant1/gone/revoke', acmeAdmin)).body.state).toBe('revoked');
    expect(await rest('POST', '/v1/admin/devices/acme/plant1/gone/rotate', acmeAdmin)).toMatchObject({ status: 409, body: { code: 'DEVICE_REVOKED' } });
    expect(await rest('POST', '/v1/admin/devices/acme/plant1/gone/enable', acmeAdmin)).toMatchObject({ status: 409, body: { code: 'DEVICE_REVOKED' } });
  });

  it('updates, disables and enables, rotates, lists with filters, and removes devices', async () => {
    const d = '/v1/admin/devices/acme/plant2/meter';
    const { body: added } = await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'acme', site: 'plant2', device: 'meter', tags: { kind: 'meter' } });
    const updated = await rest('PATCH', d, acmeAdmin, { tags: { kind: 'meter', fw: '2' }, location: { description: 'roof' }, parent: 'acme/plant1/gw' });
    expect(updated.body).toMatchObject({ tags: { kind: 'meter', fw: '2' }, location: { description: 'roof' }, parent: { site: 'plant1', device: 'gw' } });
    expect((await rest('PATCH', d, acmeAdmin, { location: null, parent: null })).body).toMatchObject({ tags: { kind: 'meter', fw: '2' }, location: null, parent: null });
    expect((await rest('POST', `${d}/disable`, acmeAdmin)).body.state).toBe('disabled');
    expect(await verifyDeviceCredentials(registry, 'acme/plant2/meter', added.credentials.password)).toBeUndefined();
    expect((await rest('POST', `${d}/enable`, acmeAdmin)).body.state).toBe('active');
    const rotated = await rest('POST', `${d}/rotate`, acmeAdmin);
    expect(rotated.body).toEqual({ device: 'acme/plant2/meter', username: 'acme/plant2/meter', password: expect.any(String) });
    expect(await verifyDeviceCredentials(registry, 'acme/plant2/meter', added.credentials.password)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, 'acme/plant2/meter', rotated.body.password)).toMatchObject({ device: 'meter' });

    const names = async (query: string) => (await rest('GET', `/v1/admin/devices?${query}`, acmeAdmin)).body.map((device: any) => device.name);
    expect(await names('site=plant2')).toEqual(['acme/plant2/meter']);
    expect(await names('tags=fw=2')).toEqual(['acme/plant2/meter']);
    expect(await names('parent=acme/plant1/gw')).toEqual(['acme/plant1/node-1']);
    await rest('POST', `${d}/disable`, acmeAdmin);
    expect(await names('state=disabled')).toEqual(['acme/plant2/meter']);
    const all = await names('');
    expect(await names('limit=1&offset=1')).toEqual([all[1]]);
    expect((await rest('GET', '/v1/admin/devices?limit=100000', acmeAdmin)).status).toBe(400);

    expect((await rest('DELETE', d, acmeAdmin)).status).toBe(204);
    expect((await rest('GET', d, acmeAdmin)).status).toBe(404);
    expect((await rest('DELETE', d, acmeAdmin)).status).toBe(404);
  });

  it('sets, gets and lists the series settings of a device', async () => {
    const series = '/v1/admin/devices/acme/plant1/node-1/series';
    const set = await rest('PUT', `${series}/kwh`, acmeAdmin, { kind: 'energy', unit: 'kWh' });
    expect(set).toMatchObject({ status: 200, body: { path: '/acme/plant1/node-1/kwh', device: 'node-1', metric: 'kwh', kind: 'energy', unit: 'kWh' } });
    await rest('PUT', `${series}/temp`, acmeAdmin, { kind: 'non_additive' });
    expect((await rest('GET', `${series}/kwh`, acmeRead)).body).toMatchObject({ kind: 'energy', unit: 'kWh' });
    expect((await rest('GET', series, acmeRead)).body.map((s: any) => [s.metric, s.kind, s.unit])).toEqual([
      ['kwh', 'energy', 'kWh'],
      ['temp', 'non_additive', null],
    ]);
    expect(await rest('PUT', `${series}/x`, acmeAdmin, { kind: 'gauge' })).toMatchObject({ status: 400 });
  });

  it('lists and shows tenants and sites, and serves the hierarchy, whole or per tenant', async () => {
    const tenants = await rest('GET', '/v1/admin/tenants', platform);
    expect(tenants.body.map((t: any) => t.name)).toEqual(['acme', 'globex']);
    expect((await rest('GET', '/v1/admin/tenants', acmeRead)).body.map((t: any) => t.name)).toEqual(['acme']);
    expect((await rest('GET', '/v1/admin/tenants/acme', acmeRead)).body).toMatchObject({ name: 'acme', sites: expect.any(Number), devices: expect.any(Number), createdAt: expect.any(String) });
    expect((await rest('GET', '/v1/admin/tenants/acme/sites', acmeRead)).body.map((s: any) => s.name)).toEqual(expect.arrayContaining(['plant1']));
    const whole = await rest('GET', '/v1/admin/hierarchy', platform);
    expect(whole.body.tenants.map((t: any) => t.name)).toEqual(['acme', 'globex']);
    expect(whole.body.revision).toEqual(expect.any(Number));
    const gw = whole.body.tenants[0].sites.find((s: any) => s.name === 'plant1').devices.find((device: any) => device.device === 'gw');
    expect(gw.children).toEqual(['acme/plant1/node-1']);
    expect((await rest('GET', '/v1/admin/hierarchy?tenant=globex', platform)).body.tenants.map((t: any) => t.name)).toEqual(['globex']);
    expect((await rest('GET', '/v1/admin/hierarchy', acmeRead)).body.tenants.map((t: any) => t.name)).toEqual(['acme']);
  });

  it('creates a token once, lists tokens without secrets, and revokes them', async () => {
    const created = await rest('POST', '/v1/admin/tokens', acmeAdmin, { tenant: 'acme', role: 'read', description: 'dashboards' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^fst_/);
    expect(created.body.record).toMatchObject({ tenant: 'acme', role: 'read', description: 'dashboards', revokedAt: null });
    const listed = await rest('GET', '/v1/admin/tokens', acmeAdmin);
    expect(listed.body.every((t: any) => t.tenant === 'acme')).toBe(true);
    expect(listed.body.map((t: any) => t.id)).toContain(created.body.record.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const revoked = await rest('POST', `/v1/admin/tokens/${created.body.record.id}/revoke`, acmeAdmin);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await rest('GET', '/v1/admin/tokens', platform)).body.map((t: any) => t.tenant)).toEqual(expect.arrayContaining([null, 'acme', 'globex']));
  });

  it('lists its routes in the OpenAPI document', async () => {
    const document = (await rest('GET', '/openapi.json', undefined)).body;
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v1/admin/'))).toEqual(
      expect.arrayContaining(['/v1/admin/devices', '/v1/admin/devices/{tenant}/{site}/{device}', '/v1/admin/tokens', '/v1/admin/hierarchy', '/v1/admin/tenants']),
    );
  });
});

describe('admin API access', () => {
  it('refuses a request without a token, with an unknown one, or with a static query token: 401', async () => {
    for (const token of [undefined, `fst_0123456789abcdef_${'A'.repeat(43)}`, 'garbage', staticToken]) {
      expect(await rest('GET', '/v1/admin/tenants', token)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
      const answer = await graphql(token, '{ tenants { name } }');
      expect({ status: answer.status, codes: codes(answer), data: answer.body.data }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'], data: null });
    }
  });

  it("keeps a tenant admin out of another tenant's devices, tokens and tree: 403 over REST, TENANT_FORBIDDEN in GraphQL", async () => {
    const globexDevice = '/v1/admin/devices/globex/hq/gw';
    const refused = [
      await rest('GET', globexDevice, acmeAdmin),
      await rest('PATCH', globexDevice, acmeAdmin, { tags: { owned: 'yes' } }),
      await rest('POST', `${globexDevice}/rotate`, acmeAdmin),
      await rest('POST', `${globexDevice}/revoke`, acmeAdmin),
      await rest('DELETE', globexDevice, acmeAdmin),
      await rest('GET', `${globexDevice}/series`, acmeAdmin),
      await rest('PUT', `${globexDevice}/series/kwh`, acmeAdmin, { kind: 'energy' }),
      await rest('POST', '/v1/admin/devices', acmeAdmin, { tenant: 'globex', site: 'hq', device: 'planted' }),
      await rest('GET', '/v1/admin/devices?tenant=globex', acmeAdmin),
      await rest('GET', '/v1/admin/tenants/globex', acmeAdmin),
      await rest('GET', '/v1/admin/hierarchy?tenant=globex', acmeAdmin),
      await rest('GET', '/v1/admin/tokens?tenant=globex', acmeAdmin),
      await rest('POST', '/v1/admin/tokens', acmeAdmin, { tenant: 'globex', role: 'admin' }),
      await rest('POST', '/v1/admin/tokens', acmeAdmin, { tenant: null, role: 'admin' }),
    ];
    for (const answer of refused) expect(answer).toMatchObject({ status: 403, body: { statusCode: 403, code: 'TENANT_FORBIDDEN' } });
    const globexToken = (await rest('GET', '/v1/admin/tokens', globexAdmin)).body[0];
    expect(await rest('POST', `/v1/admin/tokens/${globexToken.id}/revoke`, acmeAdmin)).toMatchObject({ status: 403, body: { code: 'TENANT_FORBIDDEN' } });
    // nothing changed
    expect((await rest('GET', globexDevice, globexAdmin)).body).toMatchObject({ state: 'active', tags: {} });
    expect((await rest('GET', '/v1/admin/devices?tenant=globex', platform)).body.map((d: any) => d.name)).toEqual(['globex/hq/gw']);
    expect((await rest('GET', '/v1/admin/tokens?tenant=globex', platform)).body.every((t: any) => t.revokedAt === null)).toBe(true);
    // a listing without a tenant is the caller's own
    expect((await rest('GET', '/v1/admin/devices', acmeAdmin)).body.every((d: any) => d.tenant === 'acme')).toBe(true);

    for (const query of [
      '{ device(tenant: "globex", site: "hq", device: "gw") { name } }',
      '{ devices(tenant: "globex") { name } }',
      '{ tokens(tenant: "globex") { id } }',
      '{ hierarchy(tenant: "globex") { revision } }',
      'mutation { revokeDevice(tenant: "globex", site: "hq", device: "gw") { state } }',
      'mutation { addDevice(tenant: "globex", site: "hq", device: "planted") { credentials { password } } }',
    ]) {
      const answer = await graphql(acmeAdmin, query);
      expect({ query, codes: codes(answer), data: answer.body.data }).toEqual({ query, codes: ['TENANT_FORBIDDEN'], data: null });
    }
    expect((await rest('GET', globexDevice, globexAdmin)).body.state).toBe('active');
  });

  it('lets a read token read its tenant and write nothing: 403 ROLE_FORBIDDEN', async () => {
    expect((await rest('GET', '/v1/admin/devices/acme/plant1/gw', acmeRead)).status).toBe(200);
    for (const answer of [
      await rest('POST', '/v1/admin/devices', acmeRead, { tenant: 'acme', site: 'plant1', device: 'by-reader' }),
      await rest('PATCH', '/v1/admin/devices/acme/plant1/gw', acmeRead, { tags: {} }),
      await rest('POST', '/v1/admin/devices/acme/plant1/gw/rotate', acmeRead),
      await rest('POST', '/v1/admin/devices/acme/plant1/gw/disable', acmeRead),
      await rest('DELETE', '/v1/admin/devices/acme/plant1/gw', acmeRead),
      await rest('PUT', '/v1/admin/devices/acme/plant1/gw/series/kwh', acmeRead, { kind: 'additive' }),
      await rest('POST', '/v1/admin/tokens', acmeRead, { tenant: 'acme', role: 'admin' }),
      await rest('GET', '/v1/admin/tokens', acmeRead),
    ]) {
      expect(answer).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    }
    expect(codes(await graphql(acmeRead, 'mutation { rotateDevice(tenant: "acme", site: "plant1", device: "gw") { password } }'))).toEqual(['ROLE_FORBIDDEN']);
    expect((await rest('GET', '/v1/admin/devices/acme/plant1/gw', acmeRead)).body).toMatchObject({ state: 'active', tags: { model: 'EM24' } });
  });

  it('refuses a revoked token within seconds, on the admin API and the query routes alike', async () => {
    const { body } = await rest('POST', '/v1/admin/tokens', platform, { tenant: 'acme', role: 'admin' });
    // verified, and so cached for the 60 s TTL
    expect((await rest('GET', '/v1/admin/tenants', body.token)).status).toBe(200);
    expect((await rest('GET', '/v1/series?prefix=/acme', body.token)).status).toBe(200);
    expect((await rest('GET', '/v1/series?prefix=/globex', body.token)).body.code).toBe('PATH_OUTSIDE_TENANT');
    await rest('POST', `/v1/admin/tokens/${body.record.id}/revoke`, platform);
    const revokedAt = Date.now();
    await eventually(async () => ((await rest('GET', '/v1/admin/tenants', body.token)).status === 401 ? true : undefined), 'the revoked token refused', 5000);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect((await rest('GET', '/v1/series?prefix=/acme', body.token)).status).toBe(401);
    expect((await graphql(body.token, '{ tenants { name } }')).status).toBe(401);
  });

  it('lets a registry token scope the query routes to its tenant; a platform admin reads every tenant', async () => {
    expect((await rest('GET', '/v1/series?prefix=/acme', acmeRead)).status).toBe(200);
    expect((await rest('GET', '/v1/series?prefix=/globex', acmeRead)).status).toBe(403);
    expect((await rest('GET', '/v1/series?prefix=/', platform)).status).toBe(200);
    expect((await rest('GET', '/v1/series?prefix=/acme', staticToken)).status).toBe(200);
  });
});

describe('admin GraphQL API', () => {
  it('answers every query', async () => {
    const { body } = await graphql(
      acmeRead,
      `{
        tenants { name siteCount deviceCount sites { name deviceCount devices(limit: 5) { name } } }
        tenant(name: "acme") { name createdAt }
        sites(tenant: "acme") { name }
        devices(tags: [{ key: "model", value: "EM24" }], limit: 5) { name tags { key value } location { latitude longitude description } state parent { name } children { name } seriesSettings { metric kind } }
        device(tenant: "acme", site: "plant1", device: "node-1") { name parent { name tags { key value } } credentialsIssuedAt location { description } }
        seriesSettings(tenant: "acme", site: "plant1", device: "gw") { path kind unit }
        seriesSetting(tenant: "acme", site: "plant1", device: "gw", metric: "kwh") { kind unit updatedAt }
        hierarchy(tenant: "acme", site: "plant1") { revision tenants { name sites { name devices { name } } } }
      }`,
    );
    expect(body.errors).toBeUndefined();
    const data = body.data;
    expect(data.tenants).toEqual([expect.objectContaining({ name: 'acme', sites: expect.arrayContaining([expect.objectContaining({ name: 'plant1' })]) })]);
    expect(data.tenant).toEqual({ name: 'acme', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(data.sites.map((s: any) => s.name)).toContain('plant1');
    expect(data.devices).toEqual([
      {
        name: 'acme/plant1/gw',
        tags: [{ key: 'model', value: 'EM24' }],
        location: { latitude: 52.37, longitude: 4.89, description: null },
        state: 'active',
        parent: null,
        children: [{ name: 'acme/plant1/node-1' }],
        seriesSettings: [
          { metric: 'kwh', kind: 'energy' },
          { metric: 'temp', kind: 'non_additive' },
        ],
      },
    ]);
    expect(data.device).toMatchObject({ name: 'acme/plant1/node-1', parent: { name: 'acme/plant1/gw', tags: [{ key: 'model', value: 'EM24' }] }, credentialsIssuedAt: expect.any(String), location: { description: 'cellar' } });
    expect(data.seriesSettings.map((s: any) => s.path)).toEqual(['/acme/plant1/gw/kwh', '/acme/plant1/gw/temp']);
    expect(data.seriesSetting).toMatchObject({ kind: 'energy', unit: 'kWh' });
    expect(data.hierarchy.tenants).toEqual([{ name: 'acme', sites: [{ name: 'plant1', devices: expect.arrayContaining([{ name: 'acme/plant1/gw' }]) }] }]);
    const tokens = await graphql(acmeAdmin, '{ tokens { id tenant role createdAt lastUsedAt revokedAt } }');
    expect(tokens.body.data.tokens.length).toBeGreaterThan(0);
    expect(tokens.body.data.tokens.every((t: any) => t.tenant === 'acme')).toBe(true);
  });

  it('performs every mutation, showing credentials and tokens once', async () => {
    const address = 'tenant: "acme", site: "plant3", device: "pump"';
    const added = await graphql(
      acmeAdmin,
      `mutation { addDevice(${address}, tags: [{ key: "model", value: "P1" }], location: { latitude: 1, longitude: 2, altitude: 3 }, parent: { tenant: "acme", site: "plant1", device: "gw" }) {
        device { name parent { name } location { altitude } } credentials { username password } } }`,
    );
    expect(added.body.errors).toBeUndefined();
    const password = added.body.data.addDevice.credentials.password;
    expect(await verifyDeviceCredentials(registry, 'acme/plant3/pump', password)).toMatchObject({ device: 'pump' });
    expect(added.body.data.addDevice.device).toEqual({ name: 'acme/plant3/pump', parent: { name: 'acme/plant1/gw' }, location: { altitude: 3 } });

    const run = async (mutation: string, variables?: Record<string, unknown>) => {
      const answer = await graphql(acmeAdmin, mutation, variables);
      expect({ mutation, errors: answer.body.errors }).toEqual({ mutation, errors: undefined });
      return answer.body.data;
    };
    expect((await run(`mutation { updateDevice(${address}, tags: [{ key: "fw", value: "9" }], location: null, parent: null) { tags { key value } location { latitude } parent { name } } }`)).updateDevice).toEqual({
      tags: [{ key: 'fw', value: '9' }],
      location: null,
      parent: null,
    });
    expect((await run(`mutation { setDeviceEnabled(${address}, enabled: false) { state } }`)).setDeviceEnabled.state).toBe('disabled');
    expect((await run(`mutation { setDeviceEnabled(${address}, enabled: true) { state } }`)).setDeviceEnabled.state).toBe('active');
    const rotated = (await run(`mutation { rotateDevice(${address}) { username password } }`)).rotateDevice;
    expect(await verifyDeviceCredentials(registry, 'acme/plant3/pump', password)).toBeUndefined();
    expect(await verifyDeviceCredentials(registry, rotated.username, rotated.password)).toMatchObject({ device: 'pump' });
    expect((await run('mutation ($u: String) { setSeriesSetting(tenant: "acme", site: "plant3", device: "pump", metric: "flow", kind: additive, unit: $u) { path kind unit } }', { u: 'L' })).setSeriesSetting).toEqual({
      path: '/acme/plant3/pump/flow',
      kind: 'additive',
      unit: 'L',
    });
    const shown = await graphql(acmeAdmin, `{ device(${address}) { name credentialsIssuedAt seriesSettings { unit } } }`);
    expect(JSON.stringify(shown.body)).not.toContain(rotated.password);
    expect(shown.body.data.device.seriesSettings).toEqual([{ unit: 'L' }]);
    expect((await run(`mutation { revokeDevice(${address}) { state } }`)).revokeDevice.state).toBe('revoked');
    expect(codes(await graphql(acmeAdmin, `mutation { rotateDevice(${address}) { password } }`))).toEqual(['DEVICE_REVOKED']);
    expect((await run(`mutation { removeDevice(${address}) }`)).removeDevice).toBe(true);
    const gone = await graphql(acmeAdmin, `{ device(${address}) { name } }`);
    expect(gone.body.errors[0].extensions).toMatchObject({ code: 'DEVICE_NOT_FOUND', statusCode: 404 });

    const created = (await run('mutation { createToken(tenant: "acme", role: read, description: "gql") { token record { id tenant role description } } }')).createToken;
    expect(created.token).toMatch(/^fst_/);
    expect(created.record).toMatchObject({ tenant: 'acme', role: 'read', description: 'gql' });
    expect((await rest('GET', '/v1/admin/tenants', created.token)).status).toBe(200);
    expect((await run(`mutation { revokeToken(id: "${created.record.id}") { revokedAt } }`)).revokeToken.revokedAt).toEqual(expect.any(String));
    const listed = await graphql(acmeAdmin, '{ tokens { id } }');
    expect(JSON.stringify(listed.body)).not.toContain(created.token);
    expect(codes(await graphql(acmeAdmin, 'mutation { createToken(role: admin) { token } }'))).toEqual(['TENANT_FORBIDDEN']);
    expect((await graphql(platform, 'mutation { createToken(role: admin) { record { tenant role } } }')).body.data.createToken.record).toEqual({ tenant: null, role: 'admin' });
  });

  it('refuses a query deeper than the depth limit before running it, fragments or not', async () => {
    const nine = '{ device(tenant: "acme", site: "plant1", device: "node-1") { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } }';
    const deep = await graphql(platform, nine);
    expect(codes(deep)).toEqual(['QUERY_TOO_DEEP']);
    expect(deep.body.data ?? null).toBeNull();
    const hidden = await graphql(platform, `{ device(tenant: "acme", site: "plant1", device: "node-1") { ...A } }
      fragment A on Device { parent { parent { parent { ...B } } } }
      fragment B on Device { parent { parent { parent { parent { name } } } } }`);
    expect(codes(hidden)).toEqual(['QUERY_TOO_DEEP']);
    // nothing ran: a refused mutation adds no device
    const mutation = await graphql(platform, 'mutation { addDevice(tenant: "acme", site: "deep", device: "d") { device { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } }');
    expect(codes(mutation)).toEqual(['QUERY_TOO_DEEP']);
    expect((await rest('GET', '/v1/admin/devices/acme/deep/d', platform)).status).toBe(404);
    const eight = '{ device(tenant: "acme", site: "plant1", device: "node-1") { parent { parent { parent { parent { parent { parent { name } } } } } } } }';
    expect((await graphql(platform, eight)).body).toEqual({ data: { device: { parent: { parent: null } } } });
  });

  it('refuses a query costlier than the cost limit before running it, and one within it runs', async () => {
    const costly = await graphql(platform, '{ devices(limit: 1000) { name parent { name } children { name } } }');
    expect(codes(costly)).toEqual(['QUERY_TOO_COSTLY']);
    expect(costly.body.errors[0].extensions).toEqual({ code: 'QUERY_TOO_COSTLY', maxCost: 4000, cost: 1000 * (1 + 1 + 100) });
    // a limit from a variable counts as the largest allowed
    expect(codes(await graphql(platform, 'query ($n: Int) { devices(limit: $n) { name } }', { n: 1 }))).toEqual(['QUERY_TOO_COSTLY']);
    const fine = await graphql(platform, '{ devices(limit: 50) { name tags { key } parent { name } children(limit: 5) { name } } }');
    expect(fine.body.errors).toBeUndefined();
    expect(fine.body.data.devices.length).toBeGreaterThan(0);
  });

  it('allows introspection to any valid token', async () => {
    const { body } = await graphql(acmeRead, '{ __schema { queryType { name } mutationType { fields { name } } } }');
    expect(body.data.__schema.queryType.name).toBe('Query');
    expect(body.data.__schema.mutationType.fields.map((f: any) => f.name)).toEqual(
      expect.arrayContaining(['addDevice', 'updateDevice', 'rotateDevice', 'revokeDevice', 'removeDevice', 'setDeviceEnabled', 'createToken', 'revokeToken', 'setSeriesSetting']),
    );
  });
});
