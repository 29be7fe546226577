/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * Commands through the real query API and the real commands processor on
 * Kafka (fresh topics), with registry tokens in PostgreSQL. The devices and
 * the mqtt-downlink are played by the test (test/commands-fixture.ts): it
 * reads the cmd/req messages from the downlink topic and answers with
 * DeviceMessages, as the mqtt-source would forward them.
 */
import { componentLogger } from '../../lib/logger';
import { addDevice, createToken } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { start as startProcessor } from '../../stream-processors/commands';
import { commandTopics, DevicePlayer, StatusReader, type DeviceBehaviour, type ReceivedCommand } from '../../test/commands-fixture';
import { eventually, freshKeyPrefix, onCleanup, testSettings } from '../../test/factories';
import { start } from '../index';

let base: string;
let devices: DevicePlayer;
let statuses: StatusReader;
let acmeAdmin: string;
let acmeRead: string;
let globexAdmin: string;
let limited: string;
const behaviours = new Map<string, DeviceBehaviour>();
const device = (name: string) => ({ tenant: 'acme', site: 'plant1', device: name });
const commandsOf = (name: string) => `/v1/devices/acme/plant1/${name}/commands`;

async function api(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const token = options.token ?? acmeAdmin;
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

/** Reads a Server-Sent Events stream to its end: the `data` of each event, parsed, with its id. */
async function readEvents(path: string, token = acmeAdmin): Promise<{ id: string; event: string; data: any }[]> {
  const response = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
      return { id: field('id'), event: field('event'), data: JSON.parse(field('data')) };
    });
}

beforeAll(async () => {
  const registry = await freshRegistry();
  acmeAdmin = (await createToken(registry, { tenant: 'acme', role: 'admin' })).token;
  acmeRead = (await createToken(registry, { tenant: 'acme', role: 'read' })).token;
  globexAdmin = (await createToken(registry, { tenant: 'globex', role: 'admin' })).token;
  limited = (await createToken(registry, { tenant: 'acme', role: 'admin', description: 'at its in-flight limit' })).token;
  for (const name of ['pump1', 'meter1', 'valve1', 'silent1', 'slow1', 'busy1', 'sleepy1']) await addDevice(registry, device(name));
  const topics = await commandTopics(2);
  const processor = await startProcessor({ ...topics, instanceId: 'api-test', logger: componentLogger('commands-test'), timerInterval: '20ms' });
  onCleanup(() => processor.stop());
  [devices, statuses] = await Promise.all([DevicePlayer.start(topics), StatusReader.start(topics)]);
  devices.answerWith((command: ReceivedCommand) => behaviours.get(command.device.device)?.(command));
  const settings = testSettings();
  const api = await start({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    databaseSchema: registry.schema,
    registrySchema: registry.schema,
    keyPrefix: freshKeyPrefix(),
    tokens: 'static-acme-token-0123456789:acme',
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    commandsTopic: topics.commandsTopic,
    commandStatusTopic: topics.commandStatusTopic,
    commandMaxInFlightPerCaller: 3,
  });
  onCleanup(() => api.stop());
  base = `http://127.0.0.1:${api.port}`;
  await eventually(async () => ((await api.readiness?.())?.commands === 'ready' ? true : undefined), 'the API to read the command statuses back', 30_000);
});

describe('commands', () => {
  it('a command to an online device is answered within its timeout: 200 with the answer', async () => {
    await devices.presence(device('pump1'), 'online');
    behaviours.set('pump1', (c) => ({ ack: true, status: 'succeeded', body: JSON.stringify({ rebooted: true, delay: c.body.params.delay }) }));
    const answer = await api('POST', commandsOf('pump1'), { body: { name: 'reboot', params: { delay: 2 }, timeoutMs: 5000 } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'SUCCEEDED', reason: null, answer: { rebooted: true, delay: 2 }, tenant: 'acme', device: 'pump1', name: 'reboot', params: { delay: 2 }, persistent: false });
    expect(answer.body.sentAt).toBeLessThanOrEqual(answer.body.ackedAt);
    expect(answer.body.ackedAt).toBeLessThanOrEqual(answer.body.finishedAt);
    expect(answer.headers.get('location')).toBe(`/v1/commands/${answer.body.id}`);
    expect((await api('GET', `/v1/commands/${answer.body.id}`, { token: acmeRead })).body).toMatchObject({ state: 'SUCCEEDED', answer: { rebooted: true } });
    expect(devices.requestsOf(answer.body.id)).toHaveLength(1);
  });

  it('a command to an offline device that is not persistent: 503, and the command FAILED offline', async () => {
    await devices.presence(device('meter1'), 'offline');
    const answer = await api('POST', commandsOf('meter1'), { body: { name: 'read-now' } });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'COMMAND_DEVICE_OFFLINE', command: { state: 'FAILED', reason: 'offline', sentAt: null } });
    expect(devices.requestsOf(answer.body.command.id)).toEqual([]);
  });

  it('a persistent command to an offline device is queued, sent when the device comes online, and answered', async () => {
    await devices.presence(device('valve1'), 'offline');
    behaviours.set('valve1', () => ({ ack: true, status: 'succeeded', body: 'opened' }));
    const call = api('POST', commandsOf('valve1'), { body: { name: 'open', persistent: true, ttlSeconds: 60, timeoutMs: 5000 } });
    const queued = await eventually(() => [...statuses.latest.values()].find((s) => s.device === 'valve1' && s.state === 'QUEUED'), 'the command queued');
    expect(devices.requestsOf(queued.id)).toEqual([]);
    expect((await api('GET', `/v1/commands/${queued.id}`)).body).toMatchObject({ state: 'QUEUED', sentAt: null, persistent: true });
    await devices.presence(device('valve1'), 'online');
    const answer = await call;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: queued.id, state: 'SUCCEEDED', answer: 'opened', ttlSeconds: 60 });
    expect(answer.body.queuedAt).toBeLessThanOrEqual(answer.body.sentAt);
    // the test's own reader of the status topic may be behind the API's
    await eventually(() => (statuses.statesOf(queued.id).length === 4 ? true : undefined), 'four statuses');
    expect(statuses.statesOf(queued.id)).toEqual(['QUEUED', 'SENT', 'ACKED', 'SUCCEEDED']);
  });

  it('a device that does not answer in time: 504, and the command TIMED_OUT', async () => {
    await devices.presence(device('silent1'), 'online');
    behaviours.set('silent1', () => ({ ack: true }));
    const answer = await api('POST', commandsOf('silent1'), { body: { name: 'reboot', timeoutMs: 500 } });
    expect(answer.status).toBe(504);
    expect(answer.body).toMatchObject({ code: 'COMMAND_TIMED_OUT', command: { state: 'TIMED_OUT', reason: 'timeout' } });
    expect(answer.body.command.ackedAt).not.toBeNull();
    expect((await api('GET', `/v1/commands/${answer.body.command.id}`)).body.state).toBe('TIMED_OUT');
  });

  it('Prefer: respond-async answers 202 with a Location to poll, and the SSE stream tells each change in order', async () => {
    await devices.presence(device('slow1'), 'online');
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    behaviours.set('slow1', async (c) => {
      await devices.ack(c.device, c.id);
      await released;
      return { status: 'succeeded', body: '{"temperature":21.5}' };
    });
    const accepted = await api('POST', commandsOf('slow1'), { body: { name: 'read-now', timeoutMs: 20_000 }, headers: { prefer: 'respond-async' } });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('preference-applied')).toBe('respond-async');
    const location = accepted.headers.get('location')!;
    expect(location).toBe(`/v1/commands/${accepted.body.id}`);
    expect(['SENT', 'ACKED']).toContain(accepted.body.state);
    const events = readEvents(`${location}/events`);
    await eventually(async () => ((await api('GET', location)).body.state === 'ACKED' ? true : undefined), 'the ack');
    release();
    const polled = await eventually(async () => {
      const { body } = await api('GET', location, { token: acmeRead });
      return body.state === 'SUCCEEDED' ? body : undefined;
    }, 'the answer');
    expect(polled.answer).toEqual({ temperature: 21.5 });
    const streamed = await events;
    expect(streamed.map((e) => [e.event, e.id, e.data.state])).toEqual([
      ['status', '1', 'SENT'],
      ['status', '2', 'ACKED'],
      ['status', '3', 'SUCCEEDED'],
    ]);
    expect(streamed[2]!.data.answer).toEqual({ temperature: 21.5 });
  });

  it('a caller over its in-flight limit gets 429 with Retry-After', async () => {
    await devices.presence(device('busy1'), 'online');
    behaviours.set('busy1', () => undefined);
    for (let i = 0; i < 3; i++) {
      const accepted = await api('POST', commandsOf('busy1'), { token: limited, body: { name: 'reboot', timeoutMs: 30_000 }, headers: { prefer: 'respond-async' } });
      expect(accepted.status).toBe(202);
    }
    const refused = await api('POST', commandsOf('busy1'), { token: limited, body: { name: 'reboot' }, headers: { prefer: 'respond-async' } });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('COMMAND_IN_FLIGHT_LIMIT');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another caller is not held back by this one's limit
    expect((await api('POST', commandsOf('busy1'), { body: { name: 'reboot', timeoutMs: 200 }, headers: { prefer: 'respond-async' } })).status).toBe(202);
  });

  it('cancels a queued command, and refuses to cancel one already sent', async () => {
    await devices.presence(device('sleepy1'), 'offline');
    const queued = await api('POST', commandsOf('sleepy1'), { body: { name: 'set-interval', params: { seconds: 60 }, persistent: true, ttlSeconds: 600 }, headers: { prefer: 'respond-async' } });
    expect(queued.body.state).toBe('QUEUED');
    expect((await api('DELETE', `/v1/commands/${queued.body.id}`, { token: acmeRead })).status).toBe(403);
    const canceled = await api('DELETE', `/v1/commands/${queued.body.id}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ state: 'CANCELED', reason: 'canceled', canceledBy: expect.any(String) });
    await devices.presence(device('sleepy1'), 'online');
    behaviours.set('sleepy1', () => undefined);
    const sent = await api('POST', commandsOf('sleepy1'), { body: { name: 'reboot', timeoutMs: 200 }, headers: { prefer: 'respond-async' } });
    const refused = await api('DELETE', `/v1/commands/${sent.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'COMMAND_NOT_CANCELABLE' });
    expect(devices.requestsOf(queued.body.id)).toEqual([]);
  });

  it('a command to a device the registry does not hold: 404, and no command', async () => {
    const answer = await api('POST', commandsOf('pummp1'), { body: { name: 'reboot', timeoutMs: 500 } });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(answer.headers.get('location')).toBeNull();
    // another tenant's token learns nothing about acme's devices
    expect((await api('POST', commandsOf('pummp1'), { token: globexAdmin, body: { name: 'reboot' } })).body.code).toBe('TENANT_FORBIDDEN');
  });

  it('takes registry tokens only, with the admin role of the tenant to send and the read role to look', async () => {
    await devices.presence(device('pump1'), 'online');
    const sent = await api('POST', commandsOf('pump1'), { body: { name: 'reboot' } });
    expect(sent.status).toBe(200);
    expect((await api('POST', commandsOf('pump1'), { token: acmeRead, body: { name: 'reboot' } })).body.code).toBe('ROLE_FORBIDDEN');
    expect((await api('POST', commandsOf('pump1'), { token: globexAdmin, body: { name: 'reboot' } })).body.code).toBe('TENANT_FORBIDDEN');
    expect((await api('GET', `/v1/commands/${sent.body.id}`, { token: globexAdmin })).status).toBe(403);
    expect((await api('GET', `/v1/commands/${sent.body.id}`, { token: 'static-acme-token-0123456789' })).status).toBe(401);
    expect((await api('GET', '/v1/commands/00000000-0000-4000-8000-000000000000')).body.code).toBe('COMMAND_NOT_FOUND');
    expect((await api('POST', commandsOf('pump1'), { body: { name: 'a/b' } })).status).toBe(400);
    expect((await api('POST', commandsOf('pump1'), { body: { name: 'x', ttlSeconds: 10 } })).body.code).toBe('QUERY_INVALID');
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { body } = await api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/devices/{tenant}/{site}/{device}/commands', '/v1/commands/{id}', '/v1/commands/{id}/events']));
  });
});
