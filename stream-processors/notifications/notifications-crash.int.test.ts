/**
 * The notifications processor killed mid-group and restarted: the group's
 * timer and log are in PostgreSQL, so nothing is lost and nothing doubled;
 * a flush whose handler requests Kafka took but did not acknowledge is sent
 * again by the next instance with the same execution ids, which the handler
 * workers drop (one webhook-id, one delivery).
 */
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import type { HandlerRequest } from '../../schemas/types';
import { newWebhookSecret } from '../../schemas/webhooks';
import { spawnComponent } from '../../test/cli-process';
import { eventually, testKafka } from '../../test/factories';
import { Receiver } from '../../test/http-receiver';
import { TopicReader } from '../../test/topic-reader';
import { alertEvent, alertProducer, notificationsFixture, recordedFlushes, startNotifications, storedGroups, webhookAction } from './notifications.fixture';

const quietFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sites = (receiver: Receiver) => receiver.requests.map((r) => (JSON.parse(r.body) as { data: { groupLabels: { site: string }; alerts: unknown[] } }).data);

const policy = (url: string, groupWait: string) => `
tenant: acme
route: { receiver: ops, groupBy: [site], groupWait: ${groupWait}, groupInterval: 1s, repeatInterval: 1h }
receivers:
  - name: ops
    actions: [${webhookAction(url, newWebhookSecret())}]
`;


/** A Kafka client whose producers send the first batch of handler requests and then fail every send to that topic: an acknowledgement lost, then Kafka gone. */
function kafkaLosingAcks(topic: string, onLost: () => void): Kafka {
  const real = testKafka();
  let sent = 0;
  const wrap = (producer: Producer): Producer =>
    new Proxy(producer, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (record: ProducerRecord) => {
          if (record.topic !== topic) return target.send(record);
          if (sent++ === 0) await target.send(record);
          onLost();
          throw new Error('injected: the acknowledgement of the handler requests was lost');
        };
      },
    });
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'producer') return (config?: Parameters<Kafka['producer']>[0]) => wrap(target.producer(config));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('notifications across a crash', () => {
  it('after kill -9 mid-group, the restarted processor keeps the group timer and notifies each group once', async () => {
    const receiver = await Receiver.start();
    // long enough for the kill to come before the first flush; the alerts start once the first process leads, not while it starts
    const fixture = await notificationsFixture(policy(receiver.url, '6s'));
    const env = {
      REGISTRY_DATABASE_SCHEMA: fixture.options.databaseSchema,
      NOTIFICATIONS_ALERTS_TOPIC: fixture.options.alertsTopic,
      NOTIFICATIONS_HANDLER_REQUESTS_TOPIC: fixture.options.handlerRequestsTopic,
      NOTIFICATIONS_DEAD_LETTER_TOPIC: fixture.options.deadLetterTopic,
      NOTIFICATIONS_GROUP_ID: fixture.options.groupId,
      NOTIFICATIONS_EVALUATION_INTERVAL: '100ms',
      NOTIFICATIONS_LEADER_POLL_INTERVAL: '200ms',
      NOTIFICATIONS_OFFSET_COMMIT_INTERVAL: '500ms',
    };
    const produce = await alertProducer(fixture);
    const first = spawnComponent('notifications', { ...env, NOTIFICATIONS_INSTANCE_ID: 'first' });
    await eventually(() => (first.output().includes('"event":"leadership_taken"') ? true : undefined), 'the first process to lead', 60_000);
    await produce([alertEvent('/acme/plant1/boiler1/temperature'), alertEvent('/acme/plant1/boiler2/temperature')]);
    const [group] = await eventually(async () => {
      const groups = await storedGroups(fixture);
      return groups.length === 1 ? groups : undefined;
    }, 'the group started', 60_000);
    // the guard that the kill is mid-group: started, not flushed
    expect(group!.flush_seq).toBe('0');
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    expect(receiver.requests).toHaveLength(0);
    // while no processor runs: an alert of another group
    await produce([alertEvent('/acme/plant2/boiler3/temperature')]);
    const second = spawnComponent('notifications', { ...env, NOTIFICATIONS_INSTANCE_ID: 'second' });

    await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 'both groups notified', 60_000);
    await quietFor(2500);
    await second.kill('SIGTERM');
    const bySite = Object.fromEntries(sites(receiver).map((n) => [n.groupLabels.site, n.alerts.length]));
    expect([receiver.requests.length, bySite]).toEqual([2, { plant1: 2, plant2: 1 }]);
    // the plant1 group kept the life (and so the timer) it started with before the kill
    const flushes = await recordedFlushes(fixture);
    expect(flushes.map((f) => f.started_at.getTime())).toContain(group!.started_at.getTime());
  }, 120_000);

  it('sends a flush whose acknowledgement was lost again from the next instance, with the same id, delivered once', async () => {
    const receiver = await Receiver.start();
    const fixture = await notificationsFixture(policy(receiver.url, '1s'));
    const requests = await TopicReader.start<HandlerRequest>(fixture.options.handlerRequestsTopic);
    let lost!: () => void;
    const ackLost = new Promise<void>((resolve) => (lost = resolve));
    const broken = await startNotifications(fixture, { instanceId: 'broken', kafka: kafkaLosingAcks(fixture.options.handlerRequestsTopic, () => lost()) });
    await (await alertProducer(fixture))([alertEvent('/acme/plant1/boiler1/temperature')]);
    await ackLost;
    await broken.stop();
    const [recorded] = await recordedFlushes(fixture);
    expect(recorded).toMatchObject({ dispatched_at: null });

    await startNotifications(fixture, { instanceId: 'next' });
    await eventually(async () => ((await recordedFlushes(fixture))[0]?.dispatched_at ? true : undefined), 'the flush sent again and acknowledged', 30_000);
    const id = recorded!.execution_ids[0]!;
    await eventually(() => (requests.records.filter((r) => r.key === id).length === 2 ? true : undefined), 'the request twice on the topic');
    await eventually(() => receiver.requests[0], 'the delivery');
    await quietFor(2000);
    expect(receiver.ids).toEqual([id]);
  }, 90_000);
});
