/**
 * Control configuration (issue 16, item 3) end to end: the API with the
 * registry in PostgreSQL, the configuration processor with Kafka, and the
 * devices played (test/configuration-fixture.ts). One processor and one API
 * for the file; each test its own site and devices.
 */
import { canonicalJson, sha256Hex } from '../schemas/configuration';
import type { DeviceAddress } from '../registry';
import { configurationFixture, configurationOf, DevicePlayer, rest, startConfigurationProcessor, typedDevices, waitForState, type ConfigurationFixture } from './configuration-fixture';
import { producerDefaults } from '../lib/kafka';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { ConfigAssignment } from '../schemas/types';
import { eventually, onCleanup, testKafka, testSettings } from './factories';

const tenant = 'acme';
const type = 'em24';
const schema = {
  type: 'object',
  properties: { interval_s: { type: 'integer', minimum: 1 }, server: { type: 'string', format: 'hostname', maxLength: 253 }, label: { type: 'string' } },
  required: ['interval_s'],
  additionalProperties: false,
};

let fixture: ConfigurationFixture;
let devices: DevicePlayer;
const configuration = `/v1/admin/configuration/${tenant}`;

async function createDocument(config: Record<string, unknown>): Promise<{ version: number; sha256: string }> {
  const answer = await rest(fixture, 'POST', `${configuration}/documents`, { deviceType: type, config });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function assign(version: number, target: Record<string, unknown>, deadlineInMs = 120_000): Promise<{ id: number; devices: number }> {
  const answer = await rest(fixture, 'POST', `${configuration}/documents/${version}/assignments`, { ...target, deadline: new Date(Date.now() + deadlineInMs).toISOString() });
  expect(answer).toMatchObject({ status: 201 });
  return answer.body;
}

/** The states a device went through for one version, oldest first. */
async function historyOf(device: DeviceAddress, version: number): Promise<string[]> {
  const view = await configurationOf(fixture, device);
  return (view.history as { version: number; to: string }[]).filter((h) => h.version === version).map((h) => h.to).reverse();
}

beforeAll(async () => {
  fixture = await configurationFixture({ redeliveryInitial: '1s', redeliveryMax: '2s' });
  await typedDevices(fixture.registry, tenant, 'seed', type, ['d0']);
  expect((await rest(fixture, 'PUT', `${configuration}/device-types/${type}`, { schema })).status).toBe(201);
  devices = await DevicePlayer.start(fixture);
  await startConfigurationProcessor(fixture);
}, 60_000);

describe('configuration documents', () => {
  it('refuses a document that fails its device type\'s schema, with ajv\'s errors, and numbers the accepted ones with their canonical hash', async () => {
    const refused = await rest(fixture, 'POST', `${configuration}/documents`, { deviceType: type, config: { interval_s: 0, server: 'not a host!' } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('CONFIG_DOCUMENT_INVALID');
    expect(refused.body.problems.map((p: { keyword: string; instancePath: string }) => `${p.keyword} ${p.instancePath}`).sort()).toEqual(['format /server', 'minimum /interval_s']);
    expect((await rest(fixture, 'POST', `${configuration}/documents`, { deviceType: 'unknown', config: {} })).body.code).toBe('DEVICE_TYPE_NOT_FOUND');
    expect((await rest(fixture, 'PUT', `${configuration}/device-types/bad`, { schema: { type: 'object', requried: ['x'] } })).body.code).toBe('CONFIG_DOCUMENT_INVALID');

    const config = { server: 'mqtt.example.com', interval_s: 30 };
    const created = await createDocument(config);
    expect(created.sha256).toBe(sha256Hex('{"interval_s":30,"server":"mqtt.example.com"}'));
    const read = await rest(fixture, 'GET', `${configuration}/documents/${created.version}`);
    expect(read.body).toMatchObject({ version: created.version, deviceType: type, config, rollbackOf: null, sha256: created.sha256 });
    const next = await createDocument({ interval_s: 31 });
    expect(next.version).toBe(created.version + 1);
  });

  it('keeps tenants apart and a read token from writing', async () => {
    const { createToken } = await import('../registry');
    const globex = (await createToken(fixture.registry, { tenant: 'globex', role: 'admin' })).token;
    const reader = (await createToken(fixture.registry, { tenant, role: 'read' })).token;
    expect((await rest(fixture, 'GET', `${configuration}/documents`, undefined, globex)).body.code).toBe('TENANT_FORBIDDEN');
    expect((await rest(fixture, 'POST', `${configuration}/documents`, { deviceType: type, config: { interval_s: 5 } }, reader)).body.code).toBe('ROLE_FORBIDDEN');
    expect((await rest(fixture, 'GET', `${configuration}/documents`, undefined, reader)).status).toBe(200);
  });
});

describe('delivery and acknowledgement', () => {
  it('publishes the retained config to an online device, DELIVERED, and an applied acknowledgement makes it APPLIED', async () => {
    const [device] = await typedDevices(fixture.registry, tenant, 'online', type, ['m1']);
    await devices.presence(device!, 'online');
    const document = await createDocument({ interval_s: 10, label: 'online' });
    expect(await assign(document.version, { device: 'online/m1' })).toMatchObject({ devices: 1 });

    const published = await devices.waitForConfig(device!, document.version);
    expect(published).toMatchObject({ version: document.version, sha256: document.sha256, config: { interval_s: 10, label: 'online' } });
    expect(published.message).toMatchObject({ subtopic: 'config', retain: true, qos: 1, origin: 'configuration', expiresAt: null });
    expect(sha256Hex(canonicalJson(published.config))).toBe(published.sha256);
    await waitForState(fixture, device!, 'DELIVERED', document.version);

    await devices.ack(device!, { version: document.version, sha256: document.sha256, status: 'applied' });
    const applied = await waitForState(fixture, device!, 'APPLIED', document.version);
    expect(applied.desired).toMatchObject({ version: document.version, sha256: document.sha256, target: { kind: 'device', site: 'online', device: 'm1' } });
    expect(await historyOf(device!, document.version)).toEqual(['PENDING', 'DELIVERED', 'APPLIED']);
  });

  it('an acknowledgement of a stale version or another hash changes nothing; rejected and failed are recorded; a malformed one is dead-lettered', async () => {
    const [a, b] = await typedDevices(fixture.registry, tenant, 'answers', type, ['a', 'b']);
    for (const device of [a!, b!]) await devices.presence(device, 'online');
    const document = await createDocument({ interval_s: 11 });
    expect(await assign(document.version, { site: 'answers' })).toMatchObject({ devices: 2 });
    await waitForState(fixture, a!, 'DELIVERED', document.version);
    await waitForState(fixture, b!, 'DELIVERED', document.version);

    // in one partition, in order: the stale ones are taken before the one that counts
    await devices.say([
      { device: a!, kind: 'config_ack', payload: JSON.stringify({ version: document.version - 1, sha256: document.sha256, status: 'applied' }) },
      { device: a!, kind: 'config_ack', payload: JSON.stringify({ version: document.version, sha256: 'ff'.repeat(32), status: 'applied' }) },
      { device: a!, kind: 'config_ack', payload: '{"version": "x"}' },
      { device: a!, kind: 'config_ack', payload: JSON.stringify({ version: document.version, sha256: document.sha256, status: 'rejected', detail: 'interval too short' }) },
    ]);
    const rejected = await waitForState(fixture, a!, 'REJECTED', document.version);
    expect(rejected.state.detail).toBe('interval too short');
    expect(await historyOf(a!, document.version)).toEqual(['PENDING', 'DELIVERED', 'REJECTED']);
    const dead = await eventually(() => devices.deadLetters.records.find((r) => r.value.reason === 'invalid_config_ack'), 'the malformed acknowledgement dead-lettered');
    expect(Buffer.from(dead.value.payload).toString()).toBe('{"version": "x"}');

    await devices.ack(b!, { version: document.version, sha256: document.sha256, status: 'failed', detail: 'flash full' });
    expect((await waitForState(fixture, b!, 'FAILED', document.version)).state.detail).toBe('flash full');
  });

  it('an offline device stays PENDING though published, is DELIVERED when its status turns online (published again), then APPLIED', async () => {
    const [device] = await typedDevices(fixture.registry, tenant, 'offline', type, ['m2']);
    await devices.presence(device!, 'offline');
    const document = await createDocument({ interval_s: 12 });
    await assign(document.version, { device: 'offline/m2' });
    await devices.waitForConfig(device!, document.version);
    const pending = await eventually(async () => {
      const view = await configurationOf(fixture, device!);
      return view.state?.deliveries >= 1 ? view : undefined;
    }, 'the publication committed');
    expect(pending.state).toMatchObject({ state: 'PENDING', online: false, version: document.version });

    const before = devices.configsOf(device!).length;
    await devices.presence(device!, 'online');
    await waitForState(fixture, device!, 'DELIVERED', document.version);
    await eventually(() => (devices.configsOf(device!).length > before ? true : undefined), 're-publication when it came online');
    await devices.ack(device!, { version: document.version, sha256: document.sha256, status: 'applied' });
    await waitForState(fixture, device!, 'APPLIED', document.version);
    expect(await historyOf(device!, document.version)).toEqual(['PENDING', 'DELIVERED', 'APPLIED']);
  });

  it('without an acknowledgement by the deadline: re-delivered in between, then TIMED_OUT, and nothing published at or after the deadline', async () => {
    const [device] = await typedDevices(fixture.registry, tenant, 'silent', type, ['m3']);
    await devices.presence(device!, 'online');
    const document = await createDocument({ interval_s: 13 });
    const deadline = Date.now() + 5000;
    await rest(fixture, 'POST', `${configuration}/documents/${document.version}/assignments`, { device: 'silent/m3', deadline: new Date(deadline).toISOString() });
    const timedOut = await waitForState(fixture, device!, 'TIMED_OUT', document.version, 20_000);
    expect(timedOut.state.detail).toBe('no matching acknowledgement by the deadline');
    const publications = devices.configsOf(device!).filter((c) => c.version === document.version);
    // at 0 s, then 1 s and 3 s after (the delay doubles from redeliveryInitial 1s, capped at 2s: 0, 1, 3)
    expect(publications.length).toBeGreaterThanOrEqual(3);
    expect(publications.every((p) => p.message.createdAt < deadline)).toBe(true);
    expect(await historyOf(device!, document.version)).toEqual(['PENDING', 'DELIVERED', 'TIMED_OUT']);
  });
});

describe('rollback and rollouts', () => {
  it('a rollback is a new version with the old content and hash, recorded as such, and assigned', async () => {
    const [device] = await typedDevices(fixture.registry, tenant, 'rollback', type, ['m4']);
    await devices.presence(device!, 'online');
    const good = await createDocument({ interval_s: 20, label: 'good' });
    const bad = await createDocument({ interval_s: 21, label: 'bad' });
    await assign(bad.version, { device: 'rollback/m4' });
    await devices.waitForConfig(device!, bad.version);
    await devices.ack(device!, { version: bad.version, sha256: bad.sha256, status: 'applied' });
    await waitForState(fixture, device!, 'APPLIED', bad.version);

    const answer = await rest(fixture, 'POST', `${configuration}/documents/${good.version}/rollback`, { device: 'rollback/m4', deadline: new Date(Date.now() + 60_000).toISOString() });
    expect(answer.status).toBe(201);
    const { document, assignment } = answer.body;
    expect(document.version).toBeGreaterThan(bad.version);
    expect(document).toMatchObject({ sha256: good.sha256, rollbackOf: good.version, deviceType: type });
    expect(assignment).toMatchObject({ version: document.version, devices: 1 });
    const published = await devices.waitForConfig(device!, document.version);
    expect(published).toMatchObject({ sha256: good.sha256, config: { interval_s: 20, label: 'good' } });
    await devices.ack(device!, { version: document.version, sha256: good.sha256, status: 'applied' });
    await waitForState(fixture, device!, 'APPLIED', document.version);
    const listed = await rest(fixture, 'GET', `${configuration}/documents?deviceType=${type}&limit=3`);
    expect(listed.body[0]).toMatchObject({ version: document.version, rollbackOf: good.version });
  });

  it('a site assignment reaches every device of the site with its type, a device assignment holds its device, and the progress counts them', async () => {
    const site = 'plant9';
    const fleet = await typedDevices(fixture.registry, tenant, site, type, ['s1', 's2', 's3', 's4', 's5']);
    const [other] = await typedDevices(fixture.registry, tenant, site, 'thermostat', ['t1']);
    const held = fleet[4]!;
    const pinned = await createDocument({ interval_s: 99 });
    await assign(pinned.version, { device: `${site}/${held.device}` });
    for (const device of fleet.slice(0, 3)) await devices.presence(device, 'online');

    const document = await createDocument({ interval_s: 40 });
    const assignment = await assign(document.version, { site });
    expect(assignment.devices).toBe(4);
    for (const device of fleet.slice(0, 4)) await devices.waitForConfig(device, document.version);
    expect(devices.configsOf(other!)).toEqual([]);
    expect(devices.configsOf(held).map((c) => c.version)).not.toContain(document.version);

    await devices.ack(fleet[0]!, { version: document.version, sha256: document.sha256, status: 'applied' });
    await devices.ack(fleet[1]!, { version: document.version, sha256: document.sha256, status: 'applied' });
    await devices.ack(fleet[2]!, { version: document.version, sha256: document.sha256, status: 'rejected' });
    const progress = await eventually(async () => {
      const answer = await rest(fixture, 'GET', `${configuration}/documents/${document.version}/progress`);
      return answer.body.states.APPLIED === 2 && answer.body.states.REJECTED === 1 ? answer.body : undefined;
    }, 'the progress to count the answers');
    // s4 never said whether it is online: published, still PENDING
    expect(progress).toEqual({ tenant, version: document.version, devices: 4, states: { PENDING: 1, DELIVERED: 0, APPLIED: 2, REJECTED: 1, FAILED: 0, TIMED_OUT: 0 }, awaitingProcessor: 0 });
    expect((await configurationOf(fixture, held)).desired).toMatchObject({ version: pinned.version, target: { kind: 'device' } });
  });

  it('dead-letters an assignment record naming a document the registry does not hold, and the device keeps its configuration', async () => {
    const [device] = await typedDevices(fixture.registry, tenant, 'stray', type, ['m6']);
    const document = await createDocument({ interval_s: 50 });
    await assign(document.version, { device: 'stray/m6' });
    await waitForState(fixture, device!, 'PENDING', document.version);
    const codec = new AvroCodec<ConfigAssignment>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(fixture.options.assignmentsTopic), avroSchemas.ConfigAssignment);
    await codec.register();
    const producer = testKafka().producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const stray: ConfigAssignment = { ...device!, assignmentId: 1_000_000, version: 9999, sha256: 'ab'.repeat(32), deviceType: type, deadline: Date.now() + 60_000, target: 'device:stray/m6', assignedAt: Date.now(), assignedBy: null };
    await producer.send({ topic: fixture.options.assignmentsTopic, acks: -1, messages: [{ key: 'acme/stray/m6', value: codec.encode(stray) }] });
    const dead = await eventually(() => devices.deadLetters.records.find((r) => r.value.reason === 'invalid_config_assignment'), 'the stray assignment dead-lettered');
    expect(dead.value.message).toMatch(/no configuration document version 9999/);
    expect((await configurationOf(fixture, device!)).state).toMatchObject({ version: document.version, assignmentId: expect.any(Number) });
    expect((await configurationOf(fixture, device!)).state.assignmentId).toBeLessThan(1_000_000);
  });

  it('a device joining a site after its assignment, or getting a selected tag, is given the assignment (the API follows the registry)', async () => {
    const [first] = await typedDevices(fixture.registry, tenant, 'joiners', type, ['j1']);
    const siteDocument = await createDocument({ interval_s: 60 });
    const tagDocument = await createDocument({ interval_s: 61 });
    await assign(siteDocument.version, { site: 'joiners' });
    await assign(tagDocument.version, { tags: { floor: '2' } });
    await devices.waitForConfig(first!, siteDocument.version);

    const [joined] = await typedDevices(fixture.registry, tenant, 'joiners', type, ['j2']);
    await devices.waitForConfig(joined!, siteDocument.version);
    await typedDevices(fixture.registry, tenant, 'joiners', 'thermostat', ['j3']);
    const { updateDevice } = await import('../registry');
    await updateDevice(fixture.registry, first!, { tags: { type, floor: '2' } });
    await devices.waitForConfig(first!, tagDocument.version);
    const progress = await eventually(async () => {
      const answer = await rest(fixture, 'GET', `${configuration}/documents/${siteDocument.version}/progress`);
      return answer.body.devices === 1 ? answer.body : undefined;
    }, 'the site rollout to hold the joined device only');
    expect(progress.states.PENDING).toBe(1);
    expect((await configurationOf(fixture, joined!)).desired).toMatchObject({ version: siteDocument.version, target: { kind: 'site', site: 'joiners' } });
    expect(devices.configsOf({ tenant, site: 'joiners', device: 'j3' })).toEqual([]);
  });
});
