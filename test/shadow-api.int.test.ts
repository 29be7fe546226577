/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * Device shadows through the query API, end to end: the real shadow
 * processor on fresh topics, query API replicas on the same topics, the
 * registry in PostgreSQL for tokens and devices.
 */
import { addDevice, createToken, type Registry } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import { start as startQueryApi } from '../query-api/index';
import { freshTopic, eventually, freshKeyPrefix, onCleanup, testSettings } from './factories';
import { shadowFixture, startShadow, type ShadowFixtureOptions } from '../stream-processors/shadow/shadow.fixture';

const staticToken = 'static-acme-token-0123456789';

let registry: Registry;
let fixture: ShadowFixtureOptions;
let acmeAdmin: string;
let acmeRead: string;
let globexAdmin: string;

interface Answer {
  status: number;
  etag: string | null;
  body: any;
}

async function startApi(overrides: Record<string, unknown> = {}) {
  const api = await startQueryApi({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testSettings().databaseUrl,
    redisUrl: testSettings().redisUrl,
    databaseSchema: registry.schema,
    registrySchema: registry.schema,
    keyPrefix: freshKeyPrefix(),
    tokens: `${staticToken}:acme`,
    kafkaBrokers: testSettings().kafkaBrokers,
    schemaRegistryUrl: testSettings().schemaRegistryUrl,
    shadowsTopic: fixture.shadowsTopic,
    shadowRequestsTopic: fixture.requestsTopic,
    shadowResultsTopic: fixture.resultsTopic,
    shadowTimeout: '10s',
    ...overrides,
  });
  let stopped = false;
  onCleanup(async () => {
    if (!stopped) await api.stop();
  });
  const base = `http://127.0.0.1:${api.port}`;
  const call = async (method: string, device: string, options: { token?: string; body?: unknown; ifMatch?: string } = {}): Promise<Answer> => {
    const response = await fetch(`${base}/v1/devices/${device}/shadow`, {
      method,
      headers: {
        ...(options.token === '' ? {} : { authorization: `Bearer ${options.token ?? acmeAdmin}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, etag: response.headers.get('etag'), body: text === '' ? undefined : JSON.parse(text) };
  };
  // ready for shadows once a GET is answered other than 503 (the replica still reading them)
  await eventually(async () => ((await call('GET', 'acme/plant1/nothing')).status !== 503 ? true : undefined), 'the API to serve shadows', 60_000, 100);
  return {
    get: (device: string, token?: string) => call('GET', device, { token }),
    patch: (device: string, desired: unknown, options: { token?: string; ifMatch?: string; body?: unknown } = {}) => call('PATCH', device, { body: options.body ?? { state: { desired } }, ...options }),
    async stop() {
      stopped = true;
      await api.stop();
    },
  };
}

beforeAll(async () => {
  registry = await freshRegistry();
  acmeAdmin = (await createToken(registry, { tenant: 'acme', role: 'admin' })).token;
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  for (const name of ['lamp1', 'lamp2', 'lamp3', 'lamp4', 'lamp5']) await addDevice(registry, { tenant: 'acme', site: 'plant1', device: name });
  fixture = await shadowFixture();
  await startShadow(fixture);
});

describe('device shadows through the query API', () => {
  it('creates a shadow with PATCH, answering the document and its version as ETag; GET answers the same', async () => {
    const api = await startApi();
    expect(await api.get('acme/plant1/lamp1')).toMatchObject({ status: 404, body: { code: 'SHADOW_NOT_FOUND' } });
    const created = await api.patch('acme/plant1/lamp1', { level: 40, schedule: [6, 22] });
    expect(created).toMatchObject({ status: 200, etag: '"1"', body: { version: 1, state: { desired: { level: 40, schedule: [6, 22] }, reported: {}, delta: { level: 40, schedule: [6, 22] } } } });
    expect(created.body.metadata.desired.level.timestamp).toEqual(expect.any(Number));
    const changed = await api.patch('acme/plant1/lamp1', { level: null, mode: 'eco' }, { ifMatch: '"1"' });
    expect(changed).toMatchObject({ status: 200, etag: '"2"', body: { version: 2, state: { desired: { schedule: [6, 22], mode: 'eco' } } } });
    expect(changed.body.state.desired).not.toHaveProperty('level');
    const read = await api.get('acme/plant1/lamp1');
    expect(read).toEqual({ status: 200, etag: '"2"', body: changed.body });
    // a read token and the static tokens read
    expect((await api.get('acme/plant1/lamp1', acmeRead)).status).toBe(200);
    expect((await api.get('acme/plant1/lamp1', staticToken)).status).toBe(200);
  });

  it('refuses what it must: no token, another tenant, a read-only token, an unknown device, a bad body, a state too large', async () => {
    const api = await startApi();
    expect((await api.get('acme/plant1/lamp2', '')).status).toBe(401);
    expect(await api.get('acme/plant1/lamp2', globexAdmin)).toMatchObject({ status: 403, body: { code: 'PATH_OUTSIDE_TENANT' } });
    expect(await api.patch('acme/plant1/lamp2', { a: 1 }, { token: globexAdmin })).toMatchObject({ status: 403, body: { code: 'PATH_OUTSIDE_TENANT' } });
    expect(await api.patch('acme/plant1/lamp2', { a: 1 }, { token: acmeRead })).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    expect(await api.patch('acme/plant1/lamp2', { a: 1 }, { token: staticToken })).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN', message: expect.stringContaining('--role admin') } });
    expect(await api.patch('acme/plant1/ghost', { a: 1 })).toMatchObject({ status: 404, body: { code: 'DEVICE_NOT_FOUND' } });
    expect(await api.patch('acme/plant1/lamp2', undefined, { body: { state: { reported: { a: 1 } } } })).toMatchObject({ status: 400, body: { code: 'SHADOW_INVALID' } });
    expect(await api.patch('acme/plant1/lamp2', { a: 1 }, { ifMatch: '*' })).toMatchObject({ status: 400, body: { code: 'SHADOW_INVALID' } });
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(await api.patch('acme/plant1/lamp2', deep)).toMatchObject({ status: 400, body: { code: 'SHADOW_INVALID', message: expect.stringContaining('StateTooDeep') } });
    expect(await api.patch('acme/plant1/lamp2', { blob: 'x'.repeat(9000) })).toMatchObject({ status: 413, body: { code: 'SHADOW_TOO_LARGE', message: expect.stringContaining('StateTooLarge') } });
    expect(await api.get('acme/plant1/lamp2')).toMatchObject({ status: 404 });
  });

  it('lets exactly one of two concurrent PATCHes with the same If-Match through; the other gets 409 with the current ETag', async () => {
    const api = await startApi();
    let etag = (await api.patch('acme/plant1/lamp3', { step: 0 })).etag!;
    const rounds = 5;
    for (let round = 1; round <= rounds; round++) {
      const answers = await Promise.all([api.patch('acme/plant1/lamp3', { step: round, by: 'a' }, { ifMatch: etag }), api.patch('acme/plant1/lamp3', { step: round, by: 'b' }, { ifMatch: etag })]);
      const statuses = answers.map((a) => a.status).sort();
      expect({ round, statuses }).toEqual({ round, statuses: [200, 409] });
      const won = answers.find((a) => a.status === 200)!;
      const lost = answers.find((a) => a.status === 409)!;
      expect(lost.body).toMatchObject({ code: 'SHADOW_VERSION_CONFLICT' });
      expect(lost.etag).toBe(won.etag);
      etag = won.etag!;
    }
    const final = await api.get('acme/plant1/lamp3');
    expect(final).toMatchObject({ status: 200, etag: `"${rounds + 1}"`, body: { state: { desired: { step: rounds } } } });
  });

  it('answers a GET on any replica with a change another replica made, and after a restart of the API with the latest', async () => {
    const first = await startApi();
    const second = await startApi();
    for (let i = 1; i <= 3; i++) {
      const patched = await first.patch('acme/plant1/lamp4', { level: i * 10 });
      // no waiting: the second replica reads its view as far as the shadows topic ended when asked
      expect(await second.get('acme/plant1/lamp4')).toMatchObject({ status: 200, etag: patched.etag, body: { state: { desired: { level: i * 10 } } } });
    }
    await first.stop();
    await second.stop();
    const restarted = await startApi();
    expect(await restarted.get('acme/plant1/lamp4')).toMatchObject({ status: 200, etag: '"3"', body: { version: 3, state: { desired: { level: 30 } } } });
  });

  it('answers 504 when the shadow processor does not answer in time', async () => {
    const unread = await freshTopic({ prefix: 'test.shadow-requests-unread', partitions: 3 });
    const api = await startApi({ shadowRequestsTopic: unread, shadowTimeout: '1s' });
    const started = Date.now();
    expect(await api.patch('acme/plant1/lamp5', { a: 1 })).toMatchObject({ status: 504, body: { code: 'SHADOW_TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
