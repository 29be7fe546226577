/**
 * Alert events on a real alerts topic → the notifications processor →
 * handler requests → the real handler workers → a real HTTP receiver here,
 * with short timings (groupWait 1s) set per policy.
 */
import { newWebhookSecret } from '../../schemas/webhooks';
import { eventually } from '../../test/factories';
import { Receiver, signedWith, type ReceivedRequest } from '../../test/http-receiver';
import { alertEvent, alertProducer, notificationsFixture, recordedFlushes, resolved, startNotifications, storedGroups, webhookAction } from './notifications.fixture';

interface Notified {
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; alarmId: string }[];
}

const notified = (request: ReceivedRequest) => (JSON.parse(request.body) as { data: Notified }).data;

/** Waits `ms` while nothing must arrive: no event to await for an absence, so a bounded wait. */
const quietFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const policy = (url: string, secret: string, extra = '') => `
tenant: acme
route:
  receiver: ops
  groupBy: [site]
  groupWait: 1s
  groupInterval: 1s
  repeatInterval: 1h
receivers:
  - name: ops
    actions: [${webhookAction(url, secret)}]
${extra}`;

describe('notifications', () => {
  it('sends three alerts of one group as one notification, groupWait after the first', async () => {
    const receiver = await Receiver.start();
    const secret = newWebhookSecret();
    const fixture = await notificationsFixture(policy(receiver.url, secret));
    await startNotifications(fixture);
    const produce = await alertProducer(fixture);
    const sentAt = Date.now();
    await produce(['boiler1', 'boiler2', 'boiler3'].map((device) => alertEvent(`/acme/plant1/${device}/temperature`)));

    const first = await eventually(() => receiver.requests[0], 'the notification', 30_000);
    expect(first.at - sentAt).toBeGreaterThanOrEqual(1000);
    expect(signedWith(first, secret)).toBe(true);
    const body = notified(first);
    expect(body).toMatchObject({ status: 'firing', receiver: 'ops', groupLabels: { site: 'plant1' }, commonLabels: { tenant: 'acme', site: 'plant1', rule: 'boiler-hot', team: 'heating' } });
    expect(body.alerts.map((a) => a.labels.device).sort()).toEqual(['boiler1', 'boiler2', 'boiler3']);
    // two group intervals more: nothing new, nothing sent
    await quietFor(2500);
    expect(receiver.requests).toHaveLength(1);
  }, 60_000);

  it('sends an alert joining a notified group after groupInterval, with the whole group; repeats an unchanged group after repeatInterval', async () => {
    const receiver = await Receiver.start();
    const fixture = await notificationsFixture(`
tenant: acme
route: { receiver: ops, groupBy: [site], groupWait: 1s, groupInterval: 3s, repeatInterval: 6s }
receivers:
  - name: ops
    actions: [${webhookAction(receiver.url, newWebhookSecret())}]
`);
    await startNotifications(fixture);
    const produce = await alertProducer(fixture);
    await produce([alertEvent('/acme/plant1/boiler1/temperature')]);
    const first = await eventually(() => receiver.requests[0], 'the first notification', 30_000);
    await produce([alertEvent('/acme/plant1/boiler2/temperature')]);
    const second = await eventually(() => receiver.requests[1], 'the group with its new alert', 30_000);
    const third = await eventually(() => receiver.requests[2], 'the repeat', 30_000);
    // the flush after the first comes groupInterval later; the repeat at the first flush past repeatInterval since the second
    // (the flushes' recorded times: the receiver's arrival times add the handler workers' varying latency)
    const [f1, f2, f3] = (await recordedFlushes(fixture)).map((f) => f.flushed_at.getTime());
    expect(f2! - f1!).toBeGreaterThanOrEqual(3000);
    expect(f3! - f2!).toBeGreaterThanOrEqual(6000);
    const devices = (r: ReceivedRequest) => notified(r).alerts.map((a) => a.labels.device).sort();
    expect([devices(first), devices(second), devices(third)]).toEqual([['boiler1'], ['boiler1', 'boiler2'], ['boiler1', 'boiler2']]);
    expect(new Set(receiver.ids).size).toBe(3);
  }, 60_000);

  it('sends nothing for a silenced alert, and notifies it at the next flush once the silence is expired', async () => {
    const receiver = await Receiver.start();
    const fixture = await notificationsFixture(policy(receiver.url, newWebhookSecret()));
    const silence = await fixture.silences.add({ tenant: 'acme', matchers: ['device=boiler1'], endsAt: Date.now() + 3600_000, createdBy: 'test', comment: 'maintenance' });
    await startNotifications(fixture);
    await (await alertProducer(fixture))([alertEvent('/acme/plant1/boiler1/temperature')]);

    // the group starts and flushes (1s) with its only alert muted
    await eventually(async () => ((await storedGroups(fixture))[0]?.flush_seq === '1' ? true : undefined), 'the group flushed once', 30_000);
    expect(receiver.requests).toHaveLength(0);
    await fixture.silences.expire('acme', silence.id);
    const request = await eventually(() => receiver.requests[0], 'the notification once the silence is expired', 30_000);
    expect(notified(request).alerts.map((a) => a.labels.device)).toEqual(['boiler1']);
  }, 60_000);

  it('lets a critical alert inhibit the warning of the same site, not of another site', async () => {
    const receiver = await Receiver.start();
    const fixture = await notificationsFixture(
      policy(receiver.url, newWebhookSecret(), 'inhibitRules:\n  - { sourceMatchers: [severity=critical], targetMatchers: [severity=warning], equal: [site] }\n'),
    );
    await startNotifications(fixture);
    await (await alertProducer(fixture))([
      alertEvent('/acme/plant1/boiler1/temperature', { severity: 'warning' }),
      alertEvent('/acme/plant1/boiler2/temperature', { severity: 'critical' }),
      alertEvent('/acme/plant2/boiler3/temperature', { severity: 'warning' }),
    ]);

    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'a notification per site', 30_000);
    const bySite = new Map(receiver.requests.map((r) => [notified(r).groupLabels.site, notified(r).alerts.map((a) => `${a.labels.device}:${a.labels.severity}`)]));
    expect(Object.fromEntries(bySite)).toEqual({ plant1: ['boiler2:critical'], plant2: ['boiler3:warning'] });
  }, 60_000);

  it('sends the resolved notification to the actions with sendResolved only', async () => {
    const wantsResolved = await Receiver.start();
    const firingOnly = await Receiver.start();
    const secret = newWebhookSecret();
    const fixture = await notificationsFixture(`
tenant: acme
route: { receiver: ops, groupBy: [site], groupWait: 1s, groupInterval: 1s }
receivers:
  - name: ops
    actions: [${webhookAction(wantsResolved.url, secret, true)}, ${webhookAction(firingOnly.url, secret, false)}]
`);
    await startNotifications(fixture);
    const produce = await alertProducer(fixture);
    const firing = alertEvent('/acme/plant1/boiler1/temperature');
    await produce([firing]);
    await eventually(() => (wantsResolved.requests.length === 1 && firingOnly.requests.length === 1 ? true : undefined), 'the firing notification to both', 30_000);
    await produce([resolved(firing)]);

    const request = await eventually(() => wantsResolved.requests[1], 'the resolved notification', 30_000);
    expect(notified(request)).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', alarmId: firing.alarmId }] });
    // the group ended: it is gone, and the firing-only action was told nothing more
    await eventually(async () => ((await storedGroups(fixture)).length === 0 ? true : undefined), 'the group ended');
    expect(firingOnly.requests).toHaveLength(1);
  }, 60_000);
});
