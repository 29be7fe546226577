/**
 * An alert to a webhook, end to end on the real stack: the alerts processor
 * evaluates a rule over readings and commits its transitions; the webhooks
 * republisher reads them and posts them, signed, to a real HTTP receiver
 * subscribed to `alert` events.
 */
import { alertsFixture, readingProducer, startAlerts, type AlertsFixtureOptions } from '../../stream-processors/alerts/alerts.fixture';
import { eventually } from '../../test/factories';
import { Receiver, signedWith, startWebhooks, subscribe, webhookFixture } from './webhooks.fixture';

const rules = `
tenant: acme
rules:
  - id: boiler-hot
    series: ['/acme/*/*/temperature']
    severities: [{ severity: warning, when: '> 80', for: 30s }]
    clear: { when: '< 75', for: 30s }
    labels: { team: heating }
`;

const t0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const boiler = '/acme/plant1/boiler1/temperature';
let alerts: AlertsFixtureOptions;
let receiver: Receiver;
let secret: string;

beforeAll(async () => {
  alerts = await alertsFixture(rules);
  await startAlerts(alerts);
  const webhooks = await webhookFixture({ alertsTopic: alerts.alertsTopic });
  receiver = await Receiver.start();
  ({ secret } = await subscribe(webhooks, { url: receiver.url, eventTypes: ['alert'], pathFilter: '/acme/plant1/#', payload: 'full' }));
  await startWebhooks(webhooks);
}, 120_000);

const received = (transition: string) => receiver.requests.filter((r) => (JSON.parse(r.body) as { data: { transition: string } }).data.transition === transition);

describe('an alert rule with a webhook subscription', () => {
  it('posts the firing alert, signed, seconds after the reading that crossed the threshold, and the resolved one once the clear condition held', async () => {
    const send = await readingProducer(alerts);
    // pending at 30 s, firing once 85 held 30 s
    await send([70, 85].map((value, i) => ({ path: boiler, time: t0 + i * 30_000, value })));
    await eventually(() => (received('pending').length > 0 ? true : undefined), 'the pending alert posted', 60_000);
    const crossed = Date.now();
    await send([{ path: boiler, time: t0 + 60_000, value: 86 }]);
    const [firing] = await eventually(() => (received('firing').length > 0 ? received('firing') : undefined), 'the firing alert posted', 30_000);
    expect(firing!.at - crossed).toBeLessThan(10_000);
    expect(signedWith(firing!, secret)).toBe(true);
    const body = JSON.parse(firing!.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      type: 'alert',
      timestamp: new Date(t0 + 60_000).toISOString(),
      data: { ruleId: 'boiler-hot', path: boiler, transition: 'firing', status: 'firing', severity: 'warning', value: 86, tenant: 'acme', labels: { team: 'heating' } },
    });

    // recovering below 75, resolved once that held 30 s
    await send([70, 71].map((value, i) => ({ path: boiler, time: t0 + (3 + i) * 30_000, value })));
    const [resolved] = await eventually(() => (received('resolved').length > 0 ? received('resolved') : undefined), 'the resolved alert posted', 30_000);
    expect(signedWith(resolved!, secret)).toBe(true);
    const resolvedBody = JSON.parse(resolved!.body) as { data: Record<string, unknown> };
    expect(resolvedBody.data).toMatchObject({ transition: 'resolved', status: 'normal', path: boiler, alarmId: body.data.alarmId });
    // each transition once, under its own webhook-id; deliveries to one endpoint are not ordered (recovering may come after resolved), their event times are
    await eventually(() => (receiver.requests.length >= 4 ? true : undefined), 'all four transitions posted', 30_000);
    const transitions = receiver.requests.map((r) => (JSON.parse(r.body) as { data: { transition: string; eventTime: string } }).data);
    expect(transitions.sort((a, b) => a.eventTime.localeCompare(b.eventTime)).map((t) => t.transition)).toEqual(['pending', 'firing', 'recovering', 'resolved']);
    expect(new Set(receiver.ids).size).toBe(4);
  });
});
