import { automationFromDefinition } from '../../schemas/automation';
import type { AlertEvent, CommandStatus, DeviceMessage, Rollup } from '../../schemas/types';
import { alertEvent, commandAnswerEvent, EventBook, eventValue, presenceEvent, rollupEvent } from './automation-events';

const mqtt = { handler: 'mqtt_publish', target: { topic: 'fleet/acme/x' } };
const automation = (id: string, trigger: Record<string, unknown>, tenant = 'acme') => automationFromDefinition(tenant, { id, trigger, actions: [{ ...mqtt, target: { topic: `fleet/${tenant}/x` } }] });

const rollup = (over: Partial<Rollup>): Rollup => ({
  path: '/acme/p/pump/pressure', tenant: 'acme', site: 'p', device: 'pump', metric: 'pressure', kind: 'non_additive', resolution: '1m', windowStart: 0, windowEnd: 60_000,
  count: 4, sum: 40, min: 1, max: 20, first: 1, firstTime: 0, last: 5, lastTime: 50_000, delta: null, resets: 0, final: true, revision: 1, computedAt: 0, ...over,
});

describe('event triggers', () => {
  const book = new EventBook([
    automation('mean', { on: 'rollups', series: ['/acme/**'], resolution: '1m', field: 'mean' }),
    automation('critical', { on: 'alerts', rules: ['boiler-hot'], severities: ['critical'], transitions: ['firing', 'escalated'] }),
    automation('failed', { on: 'command_answers', devices: ['/acme/p/*'], states: ['FAILED', 'TIMED_OUT'] }),
    automation('offline', { on: 'presence', status: ['offline'] }),
    automation('other-tenant', { on: 'presence' }, 'globex'),
    automationFromDefinition('acme', { id: 'disabled', enabled: false, trigger: { on: 'presence' }, actions: [mqtt] }),
  ]);
  const ids = (event: Parameters<EventBook['matching']>[0] | undefined) => (event ? book.matching(event).map((a) => a.id) : 'no event');

  it('take final rollups of their resolution only, with the field asked for', () => {
    expect(ids(rollupEvent(rollup({})))).toEqual(['mean']);
    expect(ids(rollupEvent(rollup({ final: false })))).toBe('no event');
    expect(ids(rollupEvent(rollup({ resolution: '1h' })))).toEqual([]);
    const event = rollupEvent(rollup({}))!;
    expect(eventValue(book.matching(event)[0]!.trigger, event)).toBe(10);
  });

  it('filter alert events by rule, severity and transition', () => {
    const alert = (over: Partial<AlertEvent>): AlertEvent => ({ alarmId: 'x', tenant: 'acme', ruleId: 'boiler-hot', path: '/acme/p/boiler/t', transition: 'firing', from: 'pending', to: 'firing', severity: 'critical', previousSeverity: null, value: 95, reads: 'raw', eventTime: 1, episodeStart: 0, labels: {}, emittedAt: 1, ...over });
    expect(ids(alertEvent(alert({})))).toEqual(['critical']);
    expect(ids(alertEvent(alert({ severity: 'warning' })))).toEqual([]);
    expect(ids(alertEvent(alert({ transition: 'resolved', severity: null })))).toEqual([]);
    expect(ids(alertEvent(alert({ ruleId: 'other' })))).toEqual([]);
  });

  it('take command answers once final, of the devices and states asked for', () => {
    const status = (state: CommandStatus['state'], device = 'valve'): CommandStatus => ({ id: 'c', tenant: 'acme', site: 'p', device, name: 'open', params: '{}', caller: 'x', persistent: false, timeoutMs: 1, ttlSeconds: null, state, reason: null, answer: null, createdAt: 0, queuedAt: null, sentAt: null, ackedAt: null, finishedAt: 5, canceledBy: null, revision: 1, updatedAt: 5 });
    expect(ids(commandAnswerEvent(status('FAILED')))).toEqual(['failed']);
    expect(ids(commandAnswerEvent(status('SUCCEEDED')))).toEqual([]);
    expect(ids(commandAnswerEvent(status('SENT')))).toBe('no event');
  });

  it('take presence within the tenant, and refuse a status that is neither online nor offline', () => {
    const message = (payload: string, tenant = 'acme'): DeviceMessage => ({ tenant, site: 'p', device: 'd', kind: 'status', subtopic: 'status', payload: Buffer.from(payload), receivedAt: 1, transport: 'mqtt', sourceTopic: null });
    expect(ids(presenceEvent(message('offline')))).toEqual(['offline']);
    expect(ids(presenceEvent(message('online')))).toEqual([]);
    expect(ids(presenceEvent(message('offline', 'globex')))).toEqual(['other-tenant']);
    expect(() => presenceEvent(message('sleepy'))).toThrow("a device's status is online or offline");
  });
});
