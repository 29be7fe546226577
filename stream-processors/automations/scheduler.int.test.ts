/**
 * The scheduler against the real PostgreSQL and Kafka: automations applied to
 * a fresh schema, handler requests read back from a fresh topic.
 */
import { eventually } from '../../test/factories';
import type { HandlerRequest } from '../../schemas/types';
import { automationsFixture, requestReader, startAutomations } from './automations.fixture';
import { executionId } from './execution-id';

const webhook = `{ handler: webhook, target: { url: 'https://hooks.example.com/fleet', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } }`;
const mqtt = `{ handler: mqtt_publish, target: { topic: fleet/acme/announcements, body: tick } }`;

/** The fires of an automation among the requests: trigger to its requests. */
function firesOf(requests: readonly HandlerRequest[], id: string): Map<string, HandlerRequest[]> {
  const fires = new Map<string, HandlerRequest[]>();
  for (const r of requests.filter((q) => q.originId === id)) fires.set(r.trigger, [...(fires.get(r.trigger) ?? []), r]);
  return fires;
}

const payloadOf = (r: HandlerRequest) => JSON.parse(r.payload) as { missedSlots: number; slot: string };

describe('the automations scheduler', () => {
  it('fires a cron automation exactly once per slot across two running instances, and on after the leader stops', async () => {
    const fixture = await automationsFixture(`
tenant: acme
automations:
  - id: every-second
    trigger: { on: schedule, cron: '* * * * * *', timezone: Europe/Berlin }
    actions: [${webhook}, ${mqtt}]
`);
    const reader = await requestReader(fixture);
    const a = await startAutomations(fixture, { instanceId: 'a' });
    const b = await startAutomations(fixture, { instanceId: 'b' });
    await eventually(() => (firesOf(reader.records.map((r) => r.value), 'every-second').size >= 4 ? true : undefined), 'four slots fired', 30_000);
    const leader = Number(/automations_scheduler_leader\{component="automations"\} (\d)/.exec(await a.metrics.metrics())?.[1]) === 1 ? a : b;
    const standby = leader === a ? b : a;
    await leader.stop();
    const before = firesOf(reader.records.map((r) => r.value), 'every-second').size;
    await eventually(() => (firesOf(reader.records.map((r) => r.value), 'every-second').size >= before + 3 ? true : undefined), 'three more slots fired by the other instance', 30_000);
    await standby.stop();

    const fires = firesOf(reader.records.map((r) => r.value), 'every-second');
    const slots = [...fires.keys()].map((t) => Date.parse(t.slice('schedule:'.length))).sort((x, y) => x - y);
    for (const [trigger, requests] of fires) {
      // one request per action, each once: never a slot fired by both instances
      expect(requests.map((r) => r.handler).sort()).toEqual(['mqtt_publish', 'webhook']);
      expect(requests.map((r) => r.executionId)).toEqual(requests.map((_, i) => executionId('acme', 'every-second', 1, trigger, requests[i]!.handler === 'webhook' ? 0 : 1)));
    }
    expect(slots.every((s) => s % 1000 === 0)).toBe(true);
    expect(new Set(reader.records.map((r) => r.key)).size).toBe(reader.records.length);
    const runs = await fixture.registry.pool.query<{ n: string; undispatched: string }>(`select count(*) as n, count(*) filter (where dispatched_at is null) as undispatched from "${fixture.databaseSchema}".automation_runs where automation_id = 'every-second'`);
    expect(runs.rows[0]).toEqual({ n: String(fires.size), undispatched: '0' });
  }, 90_000);

  it('after a downtime fires once for the missed slots under fireOnce, and not at all under skip', async () => {
    const fixture = await automationsFixture(`
tenant: acme
automations:
  - id: catch-up
    trigger: { on: schedule, cron: '* * * * * *', timezone: UTC, missedRuns: fireOnce }
    actions: [${mqtt}]
  - id: let-go
    trigger: { on: schedule, every: 1s, missedRuns: skip }
    actions: [${mqtt}]
`);
    const reader = await requestReader(fixture);
    const requests = () => reader.records.map((r) => r.value);
    const first = await startAutomations(fixture, { instanceId: 'a', missedAfter: '2s' });
    await eventually(() => (firesOf(requests(), 'catch-up').size >= 2 && firesOf(requests(), 'let-go').size >= 2 ? true : undefined), 'both automations fired', 30_000);
    await first.stop();
    const stoppedAt = Date.now();
    const lastBefore = (id: string) => Math.max(...[...firesOf(requests(), id).keys()].map((t) => Date.parse(t.slice('schedule:'.length))));
    const cursors = { catchUp: lastBefore('catch-up'), letGo: lastBefore('let-go') };

    // the next instance lives a minute later: the minute in between is the downtime (its clock injected, not waited for)
    const downtimeMs = 60_000;
    await startAutomations(fixture, { instanceId: 'b', missedAfter: '2s', now: () => Date.now() + downtimeMs });
    const resumedAt = stoppedAt + downtimeMs;
    await eventually(() => (firesOf(requests(), 'let-go').size >= 4 && [...firesOf(requests(), 'catch-up').keys()].some((t) => Date.parse(t.slice(9)) > resumedAt) ? true : undefined), 'both firing again after the downtime', 30_000);

    const catchUp = [...firesOf(requests(), 'catch-up').values()].map((r) => r[0]!);
    const missed = catchUp.filter((r) => payloadOf(r).missedSlots > 0);
    expect(missed).toHaveLength(1);
    // the one fire stands for every slot of the gap (about the minute, less the grace), at the newest of them
    expect(payloadOf(missed[0]!).missedSlots).toBeGreaterThan(50);
    const gap = catchUp.filter((r) => Number(r.firedAt) > cursors.catchUp && Number(r.firedAt) < Number(missed[0]!.firedAt));
    expect(gap).toEqual([]);
    expect(Number(missed[0]!.firedAt)).toBeGreaterThan(resumedAt - 10_000);

    const letGo = [...firesOf(requests(), 'let-go').values()].map((r) => r[0]!);
    expect(letGo.filter((r) => payloadOf(r).missedSlots > 0)).toEqual([]);
    // nothing of the downtime: the first fire after it is at most the grace (2 s) before the restart
    const after = letGo.filter((r) => Number(r.firedAt) > cursors.letGo).map((r) => Number(r.firedAt));
    expect(Math.min(...after)).toBeGreaterThanOrEqual(resumedAt - 3000);
  }, 90_000);
});
