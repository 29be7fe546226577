import { commandLimits } from '../../schemas/commands';
import type { CommandRequest } from '../../schemas/types';
import { DeviceCommands, noEffects, type DeviceLimits, type Effects } from './device-commands';

const device = { tenant: 'acme', site: 'plant1', device: 'pump7' };
const t0 = 1_700_000_000_000;
let ids = 0;

function request(change: Partial<CommandRequest> = {}): CommandRequest {
  ids++;
  return {
    id: `00000000-0000-4000-8000-${String(ids).padStart(12, '0')}`,
    ...device,
    action: 'send',
    name: 'reboot',
    params: '{"delay":1}',
    timeoutMs: 5000,
    persistent: false,
    ttlSeconds: null,
    caller: 'tok',
    createdAt: t0,
    ...change,
  };
}

function commands(limits: Partial<DeviceLimits> = {}): DeviceCommands {
  return new DeviceCommands(device, { maxInFlight: 4, maxQueued: 10, ...limits });
}

function online(c: DeviceCommands, now = t0): Effects {
  const effects = noEffects();
  c.presenceChanged(true, now, now, effects);
  return effects;
}

function step(run: (effects: Effects) => void): Effects {
  const effects = noEffects();
  run(effects);
  return effects;
}

const states = (effects: Effects) => effects.statuses.map((s) => [s.id.slice(-2), s.state, s.reason]);

describe('a command to an online device', () => {
  it('is sent at once, acked, and answered: SENT, ACKED, SUCCEEDED with the answer and each time kept', () => {
    const c = commands();
    online(c);
    const r = request();
    const sent = step((e) => c.request(r, t0 + 10, e));
    expect(sent.statuses.map((s) => [s.state, s.sentAt, s.queuedAt, s.revision])).toEqual([['SENT', t0 + 10, null, 1]]);
    expect(sent.sends).toEqual([{ device, command: expect.objectContaining({ id: r.id, name: 'reboot', params: '{"delay":1}' }), expiresAt: t0 + 10 + 5000 }]);
    const acked = step((e) => c.ack(r.id, t0 + 20, e));
    expect(acked.statuses.map((s) => [s.state, s.ackedAt, s.revision])).toEqual([['ACKED', t0 + 20, 2]]);
    const answered = step((e) => c.result(r.id, 'succeeded', Buffer.from('{"ok":true}'), t0 + 30, e));
    expect(answered.statuses).toEqual([
      expect.objectContaining({ state: 'SUCCEEDED', reason: null, answer: Buffer.from('{"ok":true}'), sentAt: t0 + 10, ackedAt: t0 + 20, finishedAt: t0 + 30, revision: 3, updatedAt: t0 + 30 }),
    ]);
    expect(c.openCount).toBe(0);
  });

  it('takes a result without an ack, and a failed answer as FAILED with the body', () => {
    const c = commands();
    online(c);
    const r = request();
    c.request(r, t0, noEffects());
    const answered = step((e) => c.result(r.id, 'failed', Buffer.from('no such relay'), t0 + 5, e));
    expect(answered.statuses.map((s) => [s.state, s.ackedAt, s.answer?.toString()])).toEqual([['FAILED', null, 'no such relay']]);
  });

  it('times out when no answer comes within timeoutMs of being sent, acked or not', () => {
    const c = commands();
    online(c);
    const [a, b] = [request(), request()];
    c.request(a, t0, noEffects());
    c.request(b, t0 + 1000, noEffects());
    c.ack(b.id, t0 + 1100, noEffects());
    expect(c.nextDeadline()).toBe(t0 + 5000);
    expect(step((e) => c.expire(t0 + 4999, e)).statuses).toEqual([]);
    expect(states(step((e) => c.expire(t0 + 5000, e)))).toEqual([[a.id.slice(-2), 'TIMED_OUT', 'timeout']]);
    expect(states(step((e) => c.expire(t0 + 6000, e)))).toEqual([[b.id.slice(-2), 'TIMED_OUT', 'timeout']]);
    expect(c.nextDeadline()).toBeUndefined();
  });

  it('keeps no answer larger than the limit, but finishes with the state the device answered', () => {
    const c = commands();
    online(c);
    const r = request();
    c.request(r, t0, noEffects());
    const answered = step((e) => c.result(r.id, 'succeeded', Buffer.alloc(commandLimits.answerMaxBytes + 1), t0 + 5, e));
    expect(answered.statuses.map((s) => [s.state, s.reason, s.answer])).toEqual([['SUCCEEDED', 'answer_too_large', null]]);
  });
});

describe('presence', () => {
  it('fails a command that is not persistent at once when the device is offline, or has never said online', () => {
    const unknown = commands();
    expect(states(step((e) => unknown.request(request(), t0, e)))).toEqual([[expect.any(String), 'FAILED', 'offline']]);
    const offline = commands();
    offline.presenceChanged(true, t0, t0, noEffects());
    offline.presenceChanged(false, t0 + 1, t0 + 1, noEffects());
    const failed = step((e) => offline.request(request(), t0 + 2, e));
    expect(failed.statuses.map((s) => [s.state, s.reason, s.finishedAt, s.revision])).toEqual([['FAILED', 'offline', t0 + 2, 1]]);
    expect(failed.sends).toEqual([]);
  });

  it('queues a persistent command for an offline device and sends it when the device comes online', () => {
    const c = commands();
    const r = request({ persistent: true, ttlSeconds: 60 });
    const queued = step((e) => c.request(r, t0 + 5, e));
    expect(queued.statuses.map((s) => [s.state, s.queuedAt])).toEqual([['QUEUED', t0 + 5]]);
    expect(queued.sends).toEqual([]);
    const back = online(c, t0 + 30_000);
    expect(back.statuses.map((s) => [s.state, s.queuedAt, s.sentAt, s.revision])).toEqual([['SENT', t0 + 5, t0 + 30_000, 2]]);
    expect(back.sends.map((s) => [s.command.id, s.expiresAt])).toEqual([[r.id, t0 + 30_000 + 5000]]);
  });

  it('expires a persistent command the device was not back for within its ttl', () => {
    const c = commands();
    const r = request({ persistent: true, ttlSeconds: 60 });
    c.request(r, t0, noEffects());
    expect(c.nextDeadline()).toBe(t0 + 60_000);
    expect(states(step((e) => c.expire(t0 + 60_000, e)))).toEqual([[r.id.slice(-2), 'EXPIRED', 'expired']]);
    expect(online(c, t0 + 61_000).sends).toEqual([]);
  });

  it('never sends a request read after its deadline (a processor that was down, a new consumer group)', () => {
    const c = commands();
    online(c);
    const late = step((e) => c.request(request({ createdAt: t0 - 10_000 }), t0, e));
    expect(late.statuses.map((s) => [s.state, s.reason])).toEqual([['EXPIRED', 'expired']]);
    expect(late.sends).toEqual([]);
  });

  it('leaves commands under way alone when the device goes offline, and fails the ones waiting for a slot unless persistent', () => {
    const c = commands({ maxInFlight: 1 });
    online(c);
    const [sent, waiting, persistent] = [request(), request(), request({ persistent: true, ttlSeconds: 60 })];
    for (const r of [sent, waiting, persistent]) c.request(r, t0, noEffects());
    const away = step((e) => c.presenceChanged(false, t0 + 1, t0 + 1, e));
    expect(states(away)).toEqual([[waiting.id.slice(-2), 'FAILED', 'offline']]);
    expect(c.openCount).toBe(2);
    // the answer of the one under way still counts
    expect(states(step((e) => c.result(sent.id, 'succeeded', Buffer.from('ok'), t0 + 2, e)))).toEqual([[sent.id.slice(-2), 'SUCCEEDED', null]]);
  });
});

describe('the in-flight limit', () => {
  it('holds commands over it QUEUED, in arrival order, and sends one per slot freed by an answer or a timeout', () => {
    const c = commands({ maxInFlight: 2 });
    online(c);
    const rs = [request(), request(), request(), request({ timeoutMs: 20_000 })];
    const first = step((e) => rs.forEach((r, i) => c.request(r, t0 + i, e)));
    expect(first.statuses.map((s) => s.state)).toEqual(['SENT', 'SENT', 'QUEUED', 'QUEUED']);
    const answered = step((e) => c.result(rs[1]!.id, 'succeeded', Buffer.from('1'), t0 + 100, e));
    expect(answered.sends.map((s) => s.command.id)).toEqual([rs[2]!.id]);
    const timedOut = step((e) => c.expire(t0 + 5000, e));
    expect(timedOut.statuses.map((s) => [s.id, s.state])).toEqual([
      [rs[0]!.id, 'TIMED_OUT'],
      [rs[3]!.id, 'SENT'],
    ]);
  });

  it('expires a command that waited for a slot longer than its timeout', () => {
    const c = commands({ maxInFlight: 1 });
    online(c);
    const [a, b] = [request({ timeoutMs: 10_000 }), request({ timeoutMs: 2000 })];
    c.request(a, t0, noEffects());
    c.request(b, t0, noEffects());
    expect(states(step((e) => c.expire(t0 + 2000, e)))).toEqual([[b.id.slice(-2), 'EXPIRED', 'expired']]);
  });

  it('fails a command over the queue limit with queue_full', () => {
    const c = commands({ maxInFlight: 1, maxQueued: 1 });
    online(c);
    const effects = step((e) => [request(), request(), request()].forEach((r) => c.request(r, t0, e)));
    expect(effects.statuses.map((s) => [s.state, s.reason])).toEqual([
      ['SENT', null],
      ['QUEUED', null],
      ['FAILED', 'queue_full'],
    ]);
  });
});

describe('inputs that concern no open command', () => {
  it('are ignored and counted: unknown ids, finished ones, acks of queued commands, repeated acks and requests', () => {
    const c = commands({ maxInFlight: 1 });
    online(c);
    const [a, b] = [request(), request({ persistent: true, ttlSeconds: 60 })];
    c.request(a, t0, noEffects());
    c.request(b, t0, noEffects());
    const ignored = step((e) => {
      c.ack('00000000-0000-4000-8000-999999999999', t0, e);
      c.ack(b.id, t0, e);
      c.result(b.id, 'succeeded', Buffer.alloc(0), t0, e);
      c.ack(a.id, t0, e);
      c.ack(a.id, t0, e);
      c.request(a, t0, e);
      c.result(a.id, 'succeeded', Buffer.alloc(0), t0, e);
      c.result(a.id, 'succeeded', Buffer.alloc(0), t0, e);
      c.request(a, t0, e);
    });
    expect(ignored.ignored).toEqual(['unknown_command', 'not_sent', 'not_sent', 'duplicate_ack', 'duplicate_request', 'finished_command', 'duplicate_request']);
    expect(ignored.statuses.map((s) => s.state)).toEqual(['ACKED', 'SUCCEEDED', 'SENT']);
  });
});

describe('cancel', () => {
  it('cancels a queued command, naming who did, and refuses one already sent', () => {
    const c = commands({ maxInFlight: 1 });
    online(c);
    const [a, b] = [request(), request()];
    c.request(a, t0, noEffects());
    c.request(b, t0, noEffects());
    const canceled = step((e) => {
      c.cancel(a.id, 'tok2', t0 + 1, e);
      c.cancel(b.id, 'tok2', t0 + 1, e);
    });
    expect(canceled.ignored).toEqual(['not_cancelable']);
    expect(canceled.statuses.map((s) => [s.id, s.state, s.reason, s.canceledBy])).toEqual([[b.id, 'CANCELED', 'canceled', 'tok2']]);
  });
});

describe('changes for the changelog', () => {
  it('names the device record, the commands written, and the finished ones to tombstone', () => {
    const c = commands({ maxInFlight: 1 });
    online(c);
    c.takeChanges();
    const [a, b] = [request(), request()];
    c.request(a, t0, noEffects());
    c.request(b, t0, noEffects());
    const first = c.takeChanges();
    expect(first.record?.nextSeq).toBe(2);
    expect(first.written.map((w) => [w.id, w.state])).toEqual([
      [a.id, 'SENT'],
      [b.id, 'QUEUED'],
    ]);
    c.result(a.id, 'succeeded', Buffer.alloc(0), t0 + 1, noEffects());
    const second = c.takeChanges();
    expect(second.removed).toEqual([a.id]);
    expect(second.written.map((w) => [w.id, w.state])).toEqual([[b.id, 'SENT']]);
    expect(second.record?.finished).toEqual([a.id]);
    expect(c.takeChanges()).toEqual({ written: [], removed: [] });
  });
});

describe('a device on HTTP', () => {
  const lastsMs = 60_000;

  it('counts as online for a while after its last request, then a command that may not wait fails offline and a persistent one waits for the next request', () => {
    const c = commands();
    c.presenceChanged(true, t0, t0, noEffects(), lastsMs);
    const early = request({ createdAt: t0 + 1000 });
    expect(states(step((e) => c.request(early, t0 + 1000, e)))).toEqual([[early.id.slice(-2), 'SENT', null]]);
    const late = request({ createdAt: t0 + lastsMs });
    expect(states(step((e) => c.request(late, t0 + lastsMs, e)))).toEqual([[late.id.slice(-2), 'FAILED', 'offline']]);
    const waiting = request({ createdAt: t0 + lastsMs, persistent: true, ttlSeconds: 600 });
    expect(states(step((e) => c.request(waiting, t0 + lastsMs, e)))).toEqual([[waiting.id.slice(-2), 'QUEUED', null]]);
    // its next request on /v1/ingest/messages says it is there again
    const back = step((e) => c.presenceChanged(true, t0 + 2 * lastsMs, t0 + 2 * lastsMs, e, lastsMs));
    expect(states(back)).toEqual([[waiting.id.slice(-2), 'SENT', null]]);
  });

  it('an MQTT device stays online until it says otherwise, and an online over MQTT lifts an earlier HTTP limit', () => {
    const c = commands();
    c.presenceChanged(true, t0, t0, noEffects(), lastsMs);
    c.presenceChanged(true, t0 + 10, t0 + 10, noEffects());
    const r = request({ createdAt: t0 + 10 * lastsMs });
    expect(states(step((e) => c.request(r, t0 + 10 * lastsMs, e)))).toEqual([[r.id.slice(-2), 'SENT', null]]);
  });
});
