import type { NotificationReceiver } from '../../schemas/notification-policy';
import type { GroupMember } from './group-flush';
import { commonLabelsOf, handlerRequestsOf, notificationExecutionId } from './notification-requests';

const member = (alarmId: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): GroupMember => ({
  alert: { alarmId, tenant: 'acme', labels, status, startsAt: Date.UTC(2026, 11, 3, 12), endsAt: status === 'resolved' ? Date.UTC(2026, 11, 3, 13) : null, value: 85 },
  fingerprint: `fp-${alarmId}`,
  muted: false,
});
const group = { tenant: 'acme', groupKey: '0:{"site":"plant1"}', startedAt: 1000, groupLabels: { site: 'plant1' }, flushSeq: 2 };
const receiver: NotificationReceiver = { name: 'ops', actions: [{ handler: 'webhook', target: { url: 'https://x.example/hook' }, sendResolved: true }, { handler: 'email', target: { to: ['a@example.com'] }, sendResolved: false }] };

describe('the handler requests of a flush', () => {
  it('carry a payload shaped like Alertmanager webhook messages', () => {
    const alerts = [member('a', { site: 'plant1', device: 'b1', severity: 'warning' }), member('b', { site: 'plant1', device: 'b2', severity: 'warning' }, 'resolved')];
    const [request] = handlerRequestsOf(group, receiver, [{ actionIndex: 0, alerts }], 5000);
    expect(request).toMatchObject({ tenant: 'acme', handler: 'webhook', originKind: 'notification', originId: 'ops', trigger: 'notification:0:{"site":"plant1"}#2', firedAt: 5000 });
    expect(JSON.parse(request!.payload)).toEqual({
      version: '4', tenant: 'acme', groupKey: '0:{"site":"plant1"}', receiver: 'ops', status: 'firing', groupLabels: { site: 'plant1' }, commonLabels: { site: 'plant1', severity: 'warning' },
      alerts: [
        { status: 'firing', labels: alerts[0]!.alert.labels, startsAt: '2026-12-03T12:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', fingerprint: 'fp-a', alarmId: 'a', value: 85 },
        { status: 'resolved', labels: alerts[1]!.alert.labels, startsAt: '2026-12-03T12:00:00.000Z', endsAt: '2026-12-03T13:00:00.000Z', fingerprint: 'fp-b', alarmId: 'b', value: 85 },
      ],
    });
  });

  it('is resolved when no alert fires', () => {
    const [request] = handlerRequestsOf(group, receiver, [{ actionIndex: 0, alerts: [member('a', {}, 'resolved')] }], 5000);
    expect(JSON.parse(request!.payload).status).toBe('resolved');
  });

  it('have ids that are the same for the same flush and action, and differ by flush, action and group life', () => {
    const id = notificationExecutionId(group, 2, 0);
    expect(notificationExecutionId({ ...group }, 2, 0)).toBe(id);
    expect(new Set([id, notificationExecutionId(group, 3, 0), notificationExecutionId(group, 2, 1), notificationExecutionId({ ...group, startedAt: 1001 }, 2, 0)]).size).toBe(4);
  });

  it('common labels are those every alert has with the same value', () => {
    expect(commonLabelsOf([member('a', { x: '1', y: '1' }), member('b', { x: '1', y: '2' })])).toEqual({ x: '1' });
    expect(commonLabelsOf([])).toEqual({});
  });
});
