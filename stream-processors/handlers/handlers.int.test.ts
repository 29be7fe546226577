/**
 * The handler workers against real servers: HTTP receivers, an SMTP server
 * started here, the stack's Mosquitto, Kafka, PostgreSQL and Redis, and the
 * shadow processor for forward_payload.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { SMTPServer } from 'smtp-server';
import { deviceKey } from '../../schemas/device-topics';
import { latestKey } from '../../schemas/redis-keys';
import { newWebhookSecret } from '../../schemas/webhooks';
import { eventually, onCleanup, testSettings, uniqueName } from '../../test/factories';
import { Receiver, signedWith } from '../../test/http-receiver';
import { shadowFixture, shadowReaders, startShadow, storedState } from '../shadow/shadow.fixture';
import { commandIdFor } from './derived-ids';
import { putHandlerSecret } from '../../schemas/handler-secrets';
import { executionIn, executionOf, handlerRequest, handlersFixture, handlersReaders, requestProducer, startHandlers, statusProducer, tenant } from './handlers.fixture';
import { Redis } from 'ioredis';

describe('the handler workers', () => {
  it('sends a signed webhook whose webhook-id is the execution id, and the same id again after a 500', async () => {
    const fixture = await handlersFixture();
    const readers = await handlersReaders(fixture);
    const receiver = await Receiver.start((n) => ({ status: n === 1 ? 500 : 200 }));
    const secret = newWebhookSecret();
    await startHandlers(fixture);
    const request = handlerRequest('webhook', { url: receiver.url, secret });
    await (await requestProducer(fixture))([request]);

    const row = await executionIn(fixture, request.executionId, 'SUCCEEDED');
    expect([row.attempts, receiver.ids]).toEqual([2, [request.executionId, request.executionId]]);
    expect(receiver.requests.every((r) => signedWith(r, secret))).toBe(true);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ executionId: request.executionId, data: { value: 42 } });
    const states = () => readers.results.records.filter((r) => r.key === request.executionId).map((r) => r.value.state);
    await eventually(() => (states().at(-1) === 'SUCCEEDED' ? true : undefined), 'the results topic holds SUCCEEDED');
    expect(states()).toEqual(['RUNNING', 'RETRYING', 'SUCCEEDED']);
  });

  it('signs with the handler secret a target names, which is never in the request on Kafka, and waits for one not yet set', async () => {
    const fixture = await handlersFixture();
    const receiver = await Receiver.start();
    await startHandlers(fixture);
    const request = handlerRequest('webhook', { url: receiver.url, secretRef: 'hooks' });
    await (await requestProducer(fixture))([request]);
    // not set yet: retried, with the command that sets it in the reason
    const waiting = await eventually(async () => ((await executionOf(fixture, request.executionId))?.attempts ?? 0) >= 1 ? executionOf(fixture, request.executionId) : undefined, 'a first attempt');
    expect(waiting!.detail).toContain(`fleetstream handler-secrets set ${tenant} hooks`);
    expect(receiver.requests).toEqual([]);

    const secret = newWebhookSecret();
    await putHandlerSecret(fixture.registry.pool, fixture.registry.schema, tenant, 'hooks', secret);
    await executionIn(fixture, request.executionId, 'SUCCEEDED');
    expect(receiver.requests.map((r) => signedWith(r, secret))).toEqual([true]);
    expect(JSON.stringify(request)).not.toContain('whsec_');
  });

  it('ends an execution EXPIRED at its deadline: at once when it is past, and rather than retry past it', async () => {
    const fixture = await handlersFixture({ retrySchedule: '10s' });
    const receiver = await Receiver.start(() => ({ status: 500 }));
    await startHandlers(fixture);
    const secret = newWebhookSecret();
    const late = handlerRequest('webhook', { url: receiver.url, secret }, { deadlineAt: Date.now() - 1000 });
    const failing = handlerRequest('webhook', { url: receiver.url, secret }, { deadlineAt: Date.now() + 5000 });
    await (await requestProducer(fixture))([late, failing]);
    const [a, b] = await Promise.all([executionIn(fixture, late.executionId, 'EXPIRED'), executionIn(fixture, failing.executionId, 'EXPIRED')]);
    expect([a.attempts, b.attempts, receiver.ids]).toEqual([0, 1, [failing.executionId]]);
    expect(b.detail).toContain('HTTP 500');
  });

  it('delivers to one receiver while another times out', async () => {
    const fixture = await handlersFixture({ attemptTimeout: '5s' });
    const slow = await Receiver.start(() => 'never');
    const fast = await Receiver.start();
    await startHandlers(fixture);
    const produce = await requestProducer(fixture);
    const secret = newWebhookSecret();
    // the slow one first, and enough of them to fill its receiver's slots
    const stuck = Array.from({ length: 6 }, () => handlerRequest('webhook', { url: slow.url, secret }));
    await produce(stuck);
    await eventually(() => (slow.requests.length >= 4 ? true : undefined), 'the slow receiver holds its slots');
    const started = Date.now();
    const quick = handlerRequest('webhook', { url: fast.url.replace('127.0.0.1', 'localhost'), secret });
    await produce([quick]);
    await executionIn(fixture, quick.executionId, 'SUCCEEDED');
    // well inside the slow receiver's 5 s timeout
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("sends an email to a real SMTP server, its Message-ID made from the execution id", async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.server.address() as AddressInfo).port;
    const fixture = await handlersFixture({ smtpUrl: `smtp://127.0.0.1:${port}`, emailMessageIdDomain: 'test.example' });
    await startHandlers(fixture);
    const request = handlerRequest('email', { to: ['ops@example.com'], subject: 'Boiler hot', text: 'The boiler is hot.' });
    await (await requestProducer(fixture))([request]);
    await executionIn(fixture, request.executionId, 'SUCCEEDED');
    expect(received).toHaveLength(1);
    expect(received[0]).toContain(`Message-ID: <${request.executionId}.handler@test.example>`);
    expect(received[0]).toContain('Subject: Boiler hot');
    expect(received[0]).toContain('The boiler is hot.');
  });

  it("publishes on the stack's broker, inside the tenant's space", async () => {
    const fixture = await handlersFixture();
    const topic = `fleet/${tenant}/hmi/${uniqueName('panel')}`;
    const subscriber = await mqtt.connectAsync(testSettings().mqttUrl);
    onCleanup(() => subscriber.endAsync());
    const messages: { topic: string; payload: string }[] = [];
    subscriber.on('message', (t, payload) => messages.push({ topic: t, payload: payload.toString() }));
    await subscriber.subscribeAsync(topic, { qos: 1 });
    await startHandlers(fixture);
    const request = handlerRequest('mqtt_publish', { topic, body: 'boiler hot' });
    await (await requestProducer(fixture))([request]);
    await eventually(() => (messages.length > 0 ? true : undefined), 'the subscriber got the message');
    expect(messages).toEqual([{ topic, payload: 'boiler hot' }]);
    await executionIn(fixture, request.executionId, 'SUCCEEDED');
  });

  it('sends one command per execution however often its request comes, and finishes with its status', async () => {
    const fixture = await handlersFixture();
    const readers = await handlersReaders(fixture);
    await startHandlers(fixture);
    const produce = await requestProducer(fixture);
    const request = handlerRequest('device_command', { site: 'plant1', device: 'pump', name: 'start', params: { speed: 3 } });
    await produce([request]);
    await produce([request]);
    const commandId = commandIdFor(request.executionId);
    const sent = await eventually(() => readers.commands.records.find((r) => r.value.id === commandId), 'the command');
    expect(sent.key).toBe(deviceKey({ tenant, site: 'plant1', device: 'pump' }));
    expect(JSON.parse(sent.value.params)).toEqual({ speed: 3 });
    await produce([request]);
    const now = Date.now();
    await (await statusProducer(fixture))([
      {
        id: commandId, tenant, site: 'plant1', device: 'pump', name: 'start', params: sent.value.params, caller: sent.value.caller, persistent: false, timeoutMs: 30000, ttlSeconds: null,
        state: 'SUCCEEDED', reason: null, answer: Buffer.from('{"ok":true}'), createdAt: now, queuedAt: now, sentAt: now, ackedAt: now, finishedAt: now, canceledBy: null, revision: 3, updatedAt: now,
      },
    ]);
    const row = await executionIn(fixture, request.executionId, 'SUCCEEDED');
    expect(row.detail).toContain(`command ${commandId} SUCCEEDED`);
    expect(readers.commands.records.filter((r) => r.value.device === 'pump')).toHaveLength(1);
  });

  it('sets desired state through the shadow processor, SUCCEEDED once it accepted the update, FAILED with its reason when it refused it', async () => {
    const fixture = await handlersFixture();
    const shadow = await shadowFixture({ requestsTopic: fixture.options.shadowRequestsTopic, resultsTopic: fixture.options.shadowResultsTopic, maxStateBytes: 256 }, 2);
    const shadowOut = await shadowReaders(shadow);
    await startShadow(shadow);
    await startHandlers(fixture);
    const accepted = handlerRequest('set_desired', { site: 'plant1', device: 'valve', desired: { open: true } });
    const refused = handlerRequest('set_desired', { site: 'plant1', device: 'valve2', desired: { note: 'x'.repeat(400) } });
    await (await requestProducer(fixture))([accepted, refused]);

    const done = await executionIn(fixture, accepted.executionId, 'SUCCEEDED');
    expect(done.detail).toMatch(/^shadow request \S+ accepted: version 1$/);
    const state = await eventually(() => storedState(shadowOut, { tenant, site: 'plant1', device: 'valve' }), "the valve's shadow");
    expect(JSON.parse(state.document) as unknown).toMatchObject({ state: { desired: { open: true } } });
    const failed = await executionIn(fixture, refused.executionId, 'FAILED');
    expect(failed.detail).toMatch(/^shadow request \S+ rejected: 413 StateTooLarge/);
  });

  it("forwards one device's latest value to another device's desired state through the shadow processor", async () => {
    const fixture = await handlersFixture();
    const shadow = await shadowFixture({ requestsTopic: fixture.options.shadowRequestsTopic, resultsTopic: fixture.options.shadowResultsTopic }, 2);
    const shadowOut = await shadowReaders(shadow);
    await startShadow(shadow);
    const redis = new Redis(testSettings().redisUrl);
    onCleanup(() => redis.quit().then(() => undefined));
    const now = Date.now();
    await redis.hset(latestKey(fixture.options.keyPrefix, `/${tenant}/plant1/sensor/temperature`), { time: String(now), value: '21.5', kind: 'non_additive', unit: 'C', receivedAt: String(now) });
    await startHandlers(fixture);
    const request = handlerRequest('forward_payload', { from: { site: 'plant1', device: 'sensor', metric: 'temperature' }, to: { as: 'desired', site: 'plant1', device: 'heater', key: 'setpoint' } });
    await (await requestProducer(fixture))([request]);
    expect((await executionIn(fixture, request.executionId, 'SUCCEEDED')).detail).toMatch(/accepted: version 1$/);
    const heater = { tenant, site: 'plant1', device: 'heater' };
    const state = await eventually(() => storedState(shadowOut, heater), "the heater's shadow");
    expect(JSON.parse(state.document) as unknown).toMatchObject({ state: { desired: { setpoint: 21.5 } } });
  });

  it('dead-letters what it cannot run, with the reason, and runs the next request of the partition', async () => {
    const fixture = await handlersFixture();
    const readers = await handlersReaders(fixture);
    const receiver = await Receiver.start();
    await startHandlers(fixture);
    const good = handlerRequest('webhook', { url: receiver.url, secret: newWebhookSecret() });
    const bad = [handlerRequest('fax', {}, { executionId: good.executionId.replace(/.$/, 'x') }), handlerRequest('webhook', { url: 'ftp://nope' })];
    // one key: one partition, the bad ones before the good one
    const produce = await requestProducer(fixture);
    await produce(bad.map((b) => ({ ...b })));
    await produce([good]);
    await executionIn(fixture, good.executionId, 'SUCCEEDED');
    const letters = await eventually(() => (readers.deadLetters.records.length >= 2 ? readers.deadLetters.records : undefined), 'two dead letters');
    expect(letters.map((l) => l.value.reason).sort()).toEqual(['handler_target_invalid', 'handler_unknown']);
    expect(letters.every((l) => l.value.source === 'handlers')).toBe(true);
  });
});
