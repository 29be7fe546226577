/**
 * Without WEBHOOKS_ALLOW_PRIVATE_ADDRESSES, endpoints on loopback are refused:
 * by IP literal before connecting, and by name (`localhost`) after DNS, when
 * the connection's lookup answers. The receivers get nothing; each message
 * records why and stays queued on the retry schedule.
 */
import { eventually } from '../../test/factories';
import { outboxOf, produceReadings, Receiver, startWebhooks, subscribe, webhookFixture } from './webhooks.fixture';

describe('the webhooks republisher without private addresses allowed', () => {
  it('refuses an endpoint on loopback, named by address or by a name that resolves there', async () => {
    const fixture = await webhookFixture({ allowPrivateAddresses: false, retrySchedule: '1h' });
    const byAddress = await Receiver.start();
    const byName = await Receiver.start(undefined, 'localhost');
    const literal = await subscribe(fixture, { url: byAddress.url, eventTypes: ['measurement'], pathFilter: '/acme/literal/#' });
    const named = await subscribe(fixture, { url: byName.url, eventTypes: ['measurement'], pathFilter: '/acme/named/#' });
    await startWebhooks(fixture);
    await produceReadings(fixture, 'literal', 1);
    await produceReadings(fixture, 'named', 1);
    const refused = async (id: string) => {
      const [row] = await outboxOf(fixture, id);
      return row?.last_error?.startsWith('address_refused') ? row : undefined;
    };
    const [a, b] = await Promise.all([eventually(() => refused(literal.id), 'the IP literal refused'), eventually(() => refused(named.id), 'localhost refused')]);
    expect(a.last_error).toContain('127.0.0.1 is a loopback address');
    expect(b.last_error).toMatch(/localhost resolves to no public address \((127\.0\.0\.1|::1) is a loopback address/);
    expect([a.state, a.attempts, b.state, b.attempts]).toEqual(['pending', 1, 'pending', 1]);
    expect([byAddress.requests.length, byName.requests.length]).toEqual([0, 0]);
  });
});
