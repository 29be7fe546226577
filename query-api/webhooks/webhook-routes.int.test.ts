/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * The admin API's webhook subscriptions over HTTP, with registry tokens:
 * create (the secret shown once), list, get, update, disable and enable,
 * rotate, replay, delete; a tenant's read token reads only, another tenant's
 * token reaches nothing, and bad input is refused with the field named.
 */
import { createToken } from '../../registry';
import { configurationFixture, rest, type ConfigurationFixture } from '../../test/configuration-fixture';

let fixture: ConfigurationFixture;
let admin: string;
let reader: string;
let stranger: string;
const base = '/v1/admin/webhooks/acme/subscriptions';

beforeAll(async () => {
  fixture = await configurationFixture();
  for (const tenant of ['acme', 'globex']) await fixture.registry.pool.query(`insert into ${fixture.registry.tables.tenants} (name, revision) values ($1, 1)`, [tenant]);
  admin = (await createToken(fixture.registry, { tenant: 'acme', role: 'admin' })).token;
  reader = (await createToken(fixture.registry, { tenant: 'acme', role: 'read' })).token;
  stranger = (await createToken(fixture.registry, { tenant: 'globex', role: 'admin' })).token;
}, 60_000);

describe('/v1/admin/webhooks/<tenant>/subscriptions', () => {
  it('creates a subscription with defaults, shows its secret once, and lists and shows it without', async () => {
    const created = await rest(fixture, 'POST', base, { url: 'https://hooks.example.com/fleet', eventTypes: ['measurement', 'rollup.1h'] }, admin);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant: 'acme', url: 'https://hooks.example.com/fleet', eventTypes: ['measurement', 'rollup.1h'], pathFilter: '/acme/#', payload: 'thin', maxBatch: 1, enabled: true, disabledReason: null, pending: 0, dead: 0 });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{44}$/);
    expect(created.body.id).toMatch(/^ep_/);
    const listed = await rest(fixture, 'GET', base, undefined, reader);
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: any) => s.id)).toContain(created.body.id);
    expect(listed.body.every((s: any) => s.secret === undefined)).toBe(true);
    const shown = await rest(fixture, 'GET', `${base}/${created.body.id}`, undefined, reader);
    expect(shown).toMatchObject({ status: 200, body: { id: created.body.id } });
    expect(shown.body.secret).toBeUndefined();
  });

  it('refuses bad input, naming what is wrong', async () => {
    const refused = async (body: unknown) => (await rest(fixture, 'POST', base, body, admin)).body;
    expect(await refused({ url: 'https://x.example.com', eventTypes: ['measurement'], pathFilter: '/globex/#' })).toMatchObject({ statusCode: 400, code: 'WEBHOOK_SUBSCRIPTION_INVALID', message: expect.stringContaining('/acme/') });
    expect(await refused({ url: 'ftp://x.example.com', eventTypes: ['measurement'] })).toMatchObject({ statusCode: 400, code: 'WEBHOOK_SUBSCRIPTION_INVALID' });
    expect(await refused({ url: 'https://x.example.com', eventTypes: ['reading'] })).toMatchObject({ statusCode: 400 });
    expect(await refused({ url: 'https://x.example.com', eventTypes: ['measurement'], maxBatch: 5000 })).toMatchObject({ statusCode: 400 });
  });

  it('lets a read token read only, and another tenant reach nothing', async () => {
    const { body } = await rest(fixture, 'POST', base, { url: 'https://hooks.example.com/a', eventTypes: ['command.answer'] }, admin);
    expect((await rest(fixture, 'POST', base, { url: 'https://x.example.com', eventTypes: ['measurement'] }, reader)).body).toMatchObject({ statusCode: 403, code: 'ROLE_FORBIDDEN' });
    expect((await rest(fixture, 'DELETE', `${base}/${body.id}`, undefined, reader)).body).toMatchObject({ statusCode: 403, code: 'ROLE_FORBIDDEN' });
    expect((await rest(fixture, 'GET', `${base}/${body.id}`, undefined, stranger)).body).toMatchObject({ statusCode: 403, code: 'TENANT_FORBIDDEN' });
    // under its own tenant's path, another tenant's subscription is not found
    expect((await rest(fixture, 'GET', `/v1/admin/webhooks/globex/subscriptions/${body.id}`, undefined, stranger)).body).toMatchObject({ statusCode: 404, code: 'WEBHOOK_SUBSCRIPTION_NOT_FOUND' });
  });

  it('updates, disables and enables, rotates, replays and deletes', async () => {
    const { body: created } = await rest(fixture, 'POST', base, { url: 'https://hooks.example.com/b', eventTypes: ['measurement'] }, admin);
    const path = `${base}/${created.id}`;
    const changed = await rest(fixture, 'PATCH', path, { maxBatch: 100, payload: 'full', pathFilter: '/acme/plant1/#', description: 'plant 1' }, admin);
    expect(changed).toMatchObject({ status: 200, body: { maxBatch: 100, payload: 'full', pathFilter: '/acme/plant1/#', description: 'plant 1', url: 'https://hooks.example.com/b' } });
    expect((await rest(fixture, 'PATCH', path, { enabled: false }, admin)).body).toMatchObject({ enabled: false, disabledReason: 'disabled through the API' });
    expect((await rest(fixture, 'PATCH', path, { enabled: true }, admin)).body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const rotated = await rest(fixture, 'POST', `${path}/rotate-secret`, { gracePeriodSeconds: 3600 }, admin);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.body.previousSecretUntil) - Date.now()).toBeGreaterThan(3500_000);
    const replayed = await rest(fixture, 'POST', `${path}/replay`, { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' }, admin);
    expect(replayed).toMatchObject({ status: 200, body: { messages: 0 } });
    expect((await rest(fixture, 'POST', `${path}/replay`, { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, admin)).body).toMatchObject({ statusCode: 400, code: 'WEBHOOK_SUBSCRIPTION_INVALID' });
    expect((await rest(fixture, 'DELETE', path, undefined, admin)).status).toBe(200);
    expect((await rest(fixture, 'GET', path, undefined, admin)).body).toMatchObject({ statusCode: 404, code: 'WEBHOOK_SUBSCRIPTION_NOT_FOUND' });
  });
});
