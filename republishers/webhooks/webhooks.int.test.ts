/**
 * The webhooks republisher against real Kafka, PostgreSQL and HTTP receivers
 * started here: signed delivery, retries under one webhook-id, 410, Retry-After,
 * the dead letter at the schedule's end, batching, and one endpoint that never
 * answers beside one that does. The subscriptions are made before the
 * component starts, each on its own site, so the tests share one instance.
 */
import { commandStatusSample } from '../../test/command-status-sample';
import { groupCaughtUp, produceRollups, rollup } from '../../test/sink-records';
import { TopicReader } from '../../test/topic-reader';
import { eventually } from '../../test/factories';
import type { DeadLetter } from '../../schemas/types';
import { outboxOf, produceCommandStatuses, produceReadings, Receiver, signedWith, startWebhooks, subscribe, webhookFixture, type WebhookFixture } from './webhooks.fixture';

let fixture: WebhookFixture;
let running: Awaited<ReturnType<typeof startWebhooks>>;
const receivers: Record<string, Receiver> = {};
const subscriptions: Record<string, { id: string; secret: string }> = {};

const fiveHundredThrice = (n: number) => ({ status: n <= 3 ? 500 : 200 });

beforeAll(async () => {
  fixture = await webhookFixture({ requestTimeout: '3s' });
  const plan: Record<string, { answer?: (n: number) => { status: number; headers?: Record<string, string> } | 'never'; maxBatch?: number; payload?: 'thin' | 'full' }> = {
    signed: { payload: 'full' },
    retried: { answer: fiveHundredThrice },
    gone: { answer: () => ({ status: 410 }) },
    throttled: { answer: (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 }) },
    failing: { answer: () => ({ status: 500 }) },
    batched: { maxBatch: 50 },
    hanging: { answer: () => 'never' },
    paused: { answer: (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }) },
    rotated: { answer: (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }) },
    beside: {},
  };
  for (const [name, { answer, maxBatch, payload }] of Object.entries(plan)) {
    receivers[name] = await Receiver.start(answer);
    // `beside` shares `hanging`'s readings: the same events to an endpoint that answers
    const site = name === 'beside' ? 'hanging' : name;
    subscriptions[name] = await subscribe(fixture, { url: receivers[name].url, eventTypes: ['measurement'], pathFilter: `/acme/${site}/#`, maxBatch, payload });
  }
  receivers.others = await Receiver.start();
  subscriptions.others = await subscribe(fixture, { url: receivers.others.url, eventTypes: ['rollup.1h', 'command.answer'], pathFilter: '/acme/others/#', payload: 'thin' });
  running = await startWebhooks(fixture);
}, 60_000);

describe('the webhooks republisher', () => {
  it('delivers a subscribed reading signed as Standard Webhooks says, the signature checked with node:crypto alone', async () => {
    const [time] = await produceReadings(fixture, 'signed', 1);
    const receiver = receivers.signed!;
    const [request] = await eventually(() => (receiver.requests.length > 0 ? receiver.requests : undefined), 'the signed delivery');
    expect(signedWith(request!, subscriptions.signed!.secret)).toBe(true);
    expect(signedWith(request!, 'whsec_' + Buffer.alloc(32, 1).toString('base64'))).toBe(false);
    expect(String(request!.headers['webhook-id'])).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'measurement', timestamp: new Date(time!).toISOString(), data: { path: '/acme/signed/d1/kwh', value: 0, unit: 'kWh', device: 'd1' } });
    await eventually(async () => ((await outboxOf(fixture, subscriptions.signed!.id))[0]?.state === 'delivered' ? true : undefined), 'the message recorded delivered');
  });

  it('sends a message answered 500 three times once more each time under the same webhook-id, then records it delivered', async () => {
    await produceReadings(fixture, 'retried', 1);
    const receiver = receivers.retried!;
    await eventually(() => (receiver.requests.length >= 4 ? true : undefined), 'four attempts');
    const [row] = await eventually(async () => {
      const rows = await outboxOf(fixture, subscriptions.retried!.id);
      return rows[0]?.state === 'delivered' ? rows : undefined;
    }, 'the message delivered');
    expect(receiver.requests).toHaveLength(4);
    expect(new Set(receiver.ids)).toEqual(new Set([row!.id]));
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(receiver.requests.every((r) => signedWith(r, subscriptions.retried!.secret))).toBe(true);
    expect(row).toMatchObject({ attempts: 4, last_status: 200 });
  });

  it('disables a subscription whose endpoint answers 410, with the reason, and keeps its message queued', async () => {
    await produceReadings(fixture, 'gone', 2);
    const record = await eventually(async () => {
      const r = await fixture.store.get(subscriptions.gone!.id);
      return r.enabled ? undefined : r;
    }, 'the subscription disabled');
    expect(record.disabledReason).toContain('410');
    expect(record.disabledAt).toBeInstanceOf(Date);
    const rows = await eventually(async () => {
      const r = await outboxOf(fixture, subscriptions.gone!.id);
      return r.length === 2 && r.some((m) => m.last_status === 410) ? r : undefined;
    }, 'the 410 recorded');
    expect(rows.every((m) => m.state === 'pending')).toBe(true);
    // nothing more is sent to it: one attempt (or the few begun before the 410 came back)
    const sent = receivers.gone!.requests.length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(2);
  });

  it('waits for Retry-After before trying again', async () => {
    await produceReadings(fixture, 'throttled', 1);
    const receiver = receivers.throttled!;
    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'the second attempt', 20_000);
    const [first, second] = receiver.requests;
    // the schedule says 100 ms; the receiver asked for 2 s
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });

  it('sends nothing more to an endpoint that answered 429 with Retry-After until that time, new messages included', async () => {
    const receiver = receivers.paused!;
    await produceReadings(fixture, 'paused', 1);
    await eventually(() => (receiver.requests.length > 0 ? true : undefined), 'the first attempt');
    // two more readings, after the 429: they are due at once, the endpoint is not
    await produceReadings(fixture, 'paused', 2, Date.UTC(2026, 11, 3, 1));
    await eventually(() => (receiver.requests.length >= 4 ? true : undefined), 'the three readings delivered', 20_000);
    const [first, ...rest] = receiver.requests;
    expect(first!.headers['webhook-id']).not.toBe(undefined);
    for (const request of rest) expect(request.at - first!.at).toBeGreaterThanOrEqual(2000);
    expect(new Set(receiver.ids).size).toBe(3);
  });

  it('dead-letters a message once the retry schedule is spent, with the reason and the body', async () => {
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.topics.deadLetter);
    await produceReadings(fixture, 'failing', 1);
    const letter = await eventually(() => deadLetters.records.find((r) => r.value.reason === 'webhook_undeliverable'), 'the dead letter');
    const receiver = receivers.failing!;
    // one attempt and the schedule's four retries
    expect(receiver.requests).toHaveLength(5);
    expect(letter.headers['fleet-reason']).toBe('webhook_undeliverable');
    expect(letter.value.headers).toMatchObject({ subscription: subscriptions.failing!.id, 'webhook-id': receiver.ids[0], status: '500' });
    expect(letter.value.message).toContain('HTTP 500; 5 attempts');
    expect(Buffer.from(letter.value.payload).toString()).toBe(receiver.requests[0]!.body);
    const [row] = await outboxOf(fixture, subscriptions.failing!.id);
    expect(row).toMatchObject({ state: 'dead', attempts: 5 });
    expect((await fixture.store.get(subscriptions.failing!.id)).dead).toBe(1);
  }, 30_000);

  it('batches: 120 readings reach a subscription of maxBatch 50 in requests of at most 50 events, a few outbox rows', async () => {
    await produceReadings(fixture, 'batched', 120);
    const receiver = receivers.batched!;
    const events = () => receiver.requests.flatMap((r) => (JSON.parse(r.body) as { data: { events: { data: { timestamp: string } }[] } }).data.events);
    await eventually(() => (events().length >= 120 ? true : undefined), 'all 120 events');
    expect(new Set(events().map((e) => e.data.timestamp)).size).toBe(120);
    expect(receiver.requests.every((r) => JSON.parse(r.body).type === 'batch')).toBe(true);
    expect(Math.max(...receiver.requests.map((r) => (JSON.parse(r.body) as { data: { events: unknown[] } }).data.events.length))).toBeLessThanOrEqual(50);
    const rows = await outboxOf(fixture, subscriptions.batched!.id);
    expect(rows.reduce((sum, r) => sum + r.events, 0)).toBe(120);
    expect(rows.length).toBeLessThanOrEqual(12);
  });

  it('sends a stored message again when its time range is replayed, under its own id', async () => {
    const receiver = receivers.signed!;
    await eventually(() => (receiver.requests.length > 0 ? true : undefined), 'the first delivery');
    const day = Date.UTC(2026, 11, 3);
    expect(await fixture.store.replay(subscriptions.signed!.id, new Date(day + 1), new Date(day + 60_000))).toEqual({ messages: 0 });
    expect(await fixture.store.replay(subscriptions.signed!.id, new Date(day), new Date(day + 60_000))).toEqual({ messages: 1 });
    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'the replayed delivery');
    expect(receiver.requests[1]!.headers['webhook-id']).toBe(receiver.requests[0]!.headers['webhook-id']);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
  });

  it('signs with the new and the previous secret after a rotation, for its grace period', async () => {
    await produceReadings(fixture, 'rotated', 1);
    const receiver = receivers.rotated!;
    await eventually(() => (receiver.requests.length > 0 ? true : undefined), 'the first attempt');
    const old = subscriptions.rotated!.secret;
    const { secret: rotated, record } = await fixture.store.rotateSecret(subscriptions.rotated!.id, 60_000);
    expect(rotated).not.toBe(old);
    expect(record.previousSecretUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    // the receiver asked for 1 s: the retry comes after the subscriptions were read again (every 100 ms here)
    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'the retry after the rotation');
    const [before, after] = receiver.requests;
    expect([signedWith(before!, old), signedWith(before!, rotated)]).toEqual([true, false]);
    expect(String(after!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([signedWith(after!, old), signedWith(after!, rotated)]).toEqual([true, true]);
  });

  it('sends final rollups of the resolutions asked for and finished commands, nothing provisional or unfinished', async () => {
    const path = '/acme/others/d1/kwh';
    const hour = Date.UTC(2026, 11, 3, 5);
    await produceRollups(fixture.topics, '1h', [rollup(path, '1h', hour, 3, false), rollup(path, '1h', hour, 4, true)]);
    // the subscription asked for 1h only
    await produceRollups(fixture.topics, '1m', [rollup(path, '1m', hour, 4, true)]);
    const device = { tenant: 'acme', site: 'others', device: 'd1' };
    await produceCommandStatuses(fixture, [
      commandStatusSample('c-1', { ...device, state: 'SENT' }),
      commandStatusSample('c-1', { ...device, state: 'SUCCEEDED', answer: Buffer.from('{"ok":true}'), finishedAt: Date.UTC(2026, 11, 3, 6), revision: 2 }),
      // another site's device: outside the path filter
      commandStatusSample('c-2', { tenant: 'acme', site: 'plant9', device: 'd1', state: 'FAILED', finishedAt: Date.UTC(2026, 11, 3, 6) }),
    ]);
    const receiver = receivers.others!;
    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'the rollup and the command answer');
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    expect(bodies.find((b) => b.type === 'rollup.1h')).toEqual({
      type: 'rollup.1h', timestamp: new Date(hour).toISOString(),
      data: { path, resolution: '1h', windowStart: new Date(hour).toISOString(), windowEnd: new Date(hour + 60_000).toISOString(), revision: 9 },
    });
    expect(bodies.find((b) => b.type === 'command.answer')).toMatchObject({ data: { id: 'c-1', state: 'SUCCEEDED', device: 'd1', site: 'others' } });
    // once every record is consumed (committed past), the outbox holds these two and nothing else
    const { groupId, rollup1mTopic, rollup1hTopic, commandStatusTopic } = fixture.options;
    await eventually(async () => ((await groupCaughtUp(groupId, [rollup1mTopic!, rollup1hTopic!, commandStatusTopic!])) ? true : undefined), 'the sources consumed');
    expect(await outboxOf(fixture, subscriptions.others!.id)).toHaveLength(2);
  });

  it('reports deliveries by outcome, attempts by result and the queue per subscription on /metrics', async () => {
    const text = await running.metrics.metrics();
    expect(text).toMatch(/webhooks_deliveries_total\{outcome="delivered",component="webhooks"\} [1-9]/);
    expect(text).toMatch(/webhooks_deliveries_total\{outcome="retried",component="webhooks"\} [1-9]/);
    expect(text).toMatch(/webhooks_attempts_total\{result="5xx",component="webhooks"\} [1-9]/);
    // the disabled subscription's messages wait: its queue is seen, with its age
    expect(text).toContain(`webhooks_queue_depth{subscription="${subscriptions.gone!.id}",component="webhooks"} 2`);
    expect(text).toMatch(new RegExp(`webhooks_queue_oldest_seconds\\{subscription="${subscriptions.gone!.id}",component="webhooks"\\} [0-9.]+`));
  });

  it('keeps delivering to one endpoint while another never answers: none waits for the other, none is sent twice', async () => {
    const produced = Date.now();
    await produceReadings(fixture, 'hanging', 20);
    const beside = receivers.beside!;
    await eventually(() => (beside.requests.length >= 20 ? true : undefined), 'the 20 readings beside the hanging endpoint', 10_000);
    const done = beside.requests[19]!.at - produced;
    // all delivered before the hanging endpoint's first attempt could even time out (3 s)
    expect(done).toBeLessThan(3000);
    expect(new Set(beside.ids).size).toBe(20);
    expect(beside.requests).toHaveLength(20);
    // the hanging endpoint holds its four slots, no more
    expect(receivers.hanging!.requests.length).toBeLessThanOrEqual(4);
    console.log(`webhooks isolation: 20 deliveries in ${done} ms beside an endpoint that never answers (${receivers.hanging!.requests.length} attempts under way there)`);
    // the hanging attempts end at the request timeout, recorded as such and retried
    const timedOut = await eventually(async () => {
      const rows = (await outboxOf(fixture, subscriptions.hanging!.id)).filter((r) => r.last_error !== null);
      return rows.length > 0 ? rows : undefined;
    }, 'a timed-out attempt recorded', 10_000);
    expect(timedOut[0]).toMatchObject({ state: 'pending', last_status: null, last_error: 'timeout: no answer within 3000 ms' });
  });
});
