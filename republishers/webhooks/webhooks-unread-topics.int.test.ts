/**
 * A topic whose event type no subscription takes is not fetched
 * (lib/unread-topics.ts): its offsets stored in PostgreSQL follow its end
 * all the same (a restart does not read it again), and a subscription made later gets the readings produced
 * after it, not those of the spell without one.
 */
import { batchRecordingKafka } from '../../test/batch-recording-kafka';
import { groupHasOffsets } from '../../test/sink-records';
import { eventually } from '../../test/factories';
import { webhookTableNames } from '../../schemas/tables';
import { produceReadings, Receiver, startWebhooks, subscribe, webhookFixture } from './webhooks.fixture';

describe('the webhooks republisher with no subscription to readings', () => {
  it('does not fetch them, keeps their stored offsets at their end, and delivers the readings produced once a subscription takes them', async () => {
    const fixture = await webhookFixture();
    const batches: string[] = [];
    await startWebhooks(fixture, batchRecordingKafka(batches));
    const topic = fixture.options.measurementsTopic!;
    // paused once the group has offsets on the empty topic: the republisher committed its ends
    await eventually(async () => ((await groupHasOffsets(fixture.options.groupId, topic)) ? true : undefined), 'the readings paused', 20_000);
    await produceReadings(fixture, 'before', 5);
    const stored = async () => {
      const { rows } = await fixture.registry.pool.query<{ next: string }>(
        `select coalesce(sum(next_offset), 0)::text as next from ${webhookTableNames(fixture.registry.schema).consumedOffsets} where group_id = $1 and topic = $2`,
        [fixture.options.groupId, topic],
      );
      return Number(rows[0]!.next);
    };
    await eventually(async () => ((await stored()) === 5 ? true : undefined), 'the stored offsets at the end of the readings', 20_000);
    expect(batches.filter((t) => t === topic)).toEqual([]);

    const receiver = await Receiver.start();
    await subscribe(fixture, { url: receiver.url, eventTypes: ['measurement'], pathFilter: '/acme/#' });
    // until the republisher has seen the subscription, a reading may be skipped: produce until one arrives
    await eventually(
      async () => {
        await produceReadings(fixture, 'after', 1, Date.now());
        return receiver.requests.length > 0 ? true : undefined;
      },
      'a reading produced after the subscription delivered',
      30_000,
      1000,
    );
    const paths = receiver.requests.flatMap((r) => {
      const body = JSON.parse(r.body) as { data: { path: string } } | { data: { path: string } }[];
      return (Array.isArray(body) ? body : [body]).map((event) => event.data.path);
    });
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p === '/acme/after/d1/kwh')).toBe(true);
    expect(batches).toContain(topic);
  });
});
