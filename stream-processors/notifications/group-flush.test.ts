import type { NotificationReceiver } from '../../schemas/notification-policy';
import { firstFlushAt, planFlush, type GroupMember } from './group-flush';

const member = (id: string, status: 'firing' | 'resolved' = 'firing', muted = false, startsAt = 0): GroupMember => ({
  alert: { alarmId: id, tenant: 'acme', labels: { alarm: id }, status, startsAt, endsAt: status === 'resolved' ? 1 : null, value: null },
  fingerprint: `fp-${id}`,
  muted,
});
const receiver: NotificationReceiver = {
  name: 'ops',
  actions: [
    { handler: 'webhook', target: {}, sendResolved: true },
    { handler: 'email', target: {}, sendResolved: false },
  ],
};
const hour = 3600_000;

describe('a group flush', () => {
  it('sends every firing alert of a new group to every action, in one notification each', () => {
    const plan = planFlush([member('a'), member('b'), member('c')], [], receiver, 4 * hour, 1000);
    expect(plan.notifications.map((n) => [n.actionIndex, n.alerts.map((m) => m.alert.alarmId)])).toEqual([
      [0, ['a', 'b', 'c']],
      [1, ['a', 'b', 'c']],
    ]);
    expect(plan.log[0]).toEqual({ firing: ['fp-a', 'fp-b', 'fp-c'], resolved: [], at: 1000 });
    expect(plan.ends).toBe(false);
  });

  it('leaves muted alerts out, and sends nothing when every alert is muted', () => {
    expect(planFlush([member('a', 'firing', true), member('b')], [], receiver, 4 * hour, 1000).notifications[0]!.alerts.map((m) => m.alert.alarmId)).toEqual(['b']);
    const silent = planFlush([member('a', 'firing', true)], [], receiver, 4 * hour, 1000);
    expect([silent.notifications, silent.log]).toEqual([[], [null, null]]);
  });

  it('tells resolved alerts only to actions with sendResolved, then lets them leave the group and ends it', () => {
    const log = [{ firing: ['fp-a'], resolved: [], at: 0 }, { firing: ['fp-a'], resolved: [], at: 0 }];
    const plan = planFlush([member('a', 'resolved')], log, receiver, 4 * hour, 1000);
    expect(plan.notifications.map((n) => [n.actionIndex, n.alerts.map((m) => m.alert.status)])).toEqual([[0, ['resolved']]]);
    expect(plan.log[1]).toEqual({ firing: [], resolved: ['fp-a'], at: 1000 });
    expect([plan.flushedResolved, plan.ends]).toEqual([['fp-a'], true]);
  });

  it('a flush with nothing new leaves the log as it was', () => {
    const log = [{ firing: ['fp-a'], resolved: [], at: 500 }, null];
    const plan = planFlush([member('a')], log, { ...receiver, actions: [receiver.actions[0]!] }, 4 * hour, 1000);
    expect([plan.notifications, plan.log]).toEqual([[], [log[0]]]);
  });
});

describe("a new group's first flush", () => {
  it('comes groupWait after the first alert', () => {
    expect(firstFlushAt(undefined, [member('a', 'firing', false, 10_000)], 30_000, 10_000)).toBe(40_000);
  });

  it('comes at once for an alert that started longer than groupWait ago, as Alertmanager does', () => {
    expect(firstFlushAt(40_000, [member('old', 'firing', false, 0)], 30_000, 35_000)).toBe(35_000);
  });

  it('is not put off by later alerts', () => {
    expect(firstFlushAt(40_000, [member('b', 'firing', false, 20_000)], 30_000, 20_000)).toBe(40_000);
  });
});
