import type { CommandStatus, Measurement, Rollup } from '../../schemas/types';
import { outboxMessages } from './outbox-messages';
import type { Subscription } from './subscription';
import { commandAnswerEvent, measurementEvent, rollupEvent } from './webhook-events';

const reading = (device: string, timestamp: number): Measurement => ({
  path: `/acme/p1/${device}/kwh`, tenant: 'acme', site: 'p1', device, metric: 'kwh', kind: 'energy', timestamp, value: timestamp / 1000, unit: 'kWh', tags: {}, receivedAt: timestamp, sourceTopic: null,
});
const subscription = (over: Partial<Subscription>): Subscription => ({
  id: 'ep_1', tenant: 'acme', url: 'https://example.com', eventTypes: ['measurement'], pathFilter: '/acme/#', payload: 'thin', maxBatch: 1, enabled: true, keys: [], ...over,
});
let n = 0;
const ids = () => `msg_${++n}`;

describe('outboxMessages', () => {
  it('cuts each subscription\'s events into messages of at most maxBatch: one row per request, not per event', () => {
    const events = Array.from({ length: 1050 }, (_, i) => measurementEvent(reading(`d${i % 7}`, 1000 * (i + 1))));
    const messages = outboxMessages(events, [subscription({ id: 'ep_batch', maxBatch: 500 }), subscription({ id: 'ep_d0', pathFilter: '/acme/p1/d0/#', maxBatch: 1000 })], ids);
    expect(messages.map((m) => [m.subscriptionId, m.events])).toEqual([['ep_batch', 500], ['ep_batch', 500], ['ep_batch', 50], ['ep_d0', 150]]);
    const body = JSON.parse(messages[2]!.body) as { type: string; timestamp: string; data: { events: { data: { path: string } }[] } };
    expect(body.type).toBe('batch');
    expect(body.timestamp).toBe(new Date(1001 * 1000).toISOString());
    expect(body.data.events).toHaveLength(50);
    expect(messages[2]!.firstEventAt).toBe(1001 * 1000);
    expect(messages[2]!.lastEventAt).toBe(1050 * 1000);
  });

  it('sends one event as the body itself when maxBatch is 1, thin or full as asked', () => {
    const [event] = [measurementEvent(reading('d1', 60_000))];
    const [thin] = outboxMessages([event], [subscription({ payload: 'thin' })], ids);
    const [full] = outboxMessages([event], [subscription({ payload: 'full' })], ids);
    expect(JSON.parse(thin!.body)).toEqual({ type: 'measurement', timestamp: '1970-01-01T00:01:00.000Z', data: { path: '/acme/p1/d1/kwh', timestamp: '1970-01-01T00:01:00.000Z' } });
    expect(JSON.parse(full!.body)).toMatchObject({ type: 'measurement', data: { path: '/acme/p1/d1/kwh', value: 60, unit: 'kWh', kind: 'energy', device: 'd1' } });
  });

  it('makes no message for a subscription nothing matched', () => {
    expect(outboxMessages([measurementEvent(reading('d1', 1))], [subscription({ eventTypes: ['rollup.1h'] })], ids)).toEqual([]);
  });
});

describe('the events of the source records', () => {
  const rollup: Rollup = {
    path: '/acme/p1/d1/kwh', tenant: 'acme', site: 'p1', device: 'd1', metric: 'kwh', kind: 'energy', resolution: '1h', windowStart: 0, windowEnd: 3_600_000,
    count: 4, sum: 10, min: 1, max: 4, first: 1, firstTime: 1, last: 4, lastTime: 2, delta: 3, resets: 0, final: true, revision: 2, computedAt: 5,
  };

  it('sends final rollups, corrections included, and no provisional one', () => {
    expect(rollupEvent(rollup)).toMatchObject({ type: 'rollup.1h', time: 0, thin: { revision: 2, resolution: '1h' }, full: { mean: 2.5, delta: 3 } });
    expect(rollupEvent({ ...rollup, final: false })).toBeUndefined();
    expect(rollupEvent({ ...rollup, resolution: '5m' })).toBeUndefined();
  });

  it('sends a command once it finished, on its device\'s path, with its answer as JSON', () => {
    const status = {
      id: 'c1', tenant: 'acme', site: 'p1', device: 'd1', name: 'reboot', params: '{"delay":1}', caller: 'tok', persistent: false, timeoutMs: 1000, ttlSeconds: null,
      state: 'SUCCEEDED', reason: null, answer: Buffer.from('{"ok":true}'), createdAt: 1, queuedAt: 1, sentAt: 2, ackedAt: 3, finishedAt: 4, canceledBy: null, revision: 3, updatedAt: 4,
    } satisfies CommandStatus;
    expect(commandAnswerEvent(status)).toMatchObject({ type: 'command.answer', path: '/acme/p1/d1', time: 4, full: { answer: { ok: true }, params: { delay: 1 }, state: 'SUCCEEDED' } });
    expect(commandAnswerEvent({ ...status, state: 'SENT', finishedAt: null })).toBeUndefined();
  });
});
