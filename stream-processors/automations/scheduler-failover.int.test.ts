/**
 * The scheduler leader killed (SIGKILL) while two `fleetstream automations`
 * processes run: PostgreSQL ends its session and its lock, the other takes
 * over, and every slot still fires exactly once, none lost.
 */
import { spawnComponent } from '../../test/cli-process';
import { eventually } from '../../test/factories';
import { automationsFixture, requestReader } from './automations.fixture';

describe('the automations scheduler under kill -9', () => {
  it('hands over to the standby when the leader is killed: every slot once, none lost', async () => {
    const fixture = await automationsFixture(`
tenant: acme
automations:
  - id: every-second
    trigger: { on: schedule, cron: '* * * * * *', timezone: UTC }
    actions: [{ handler: mqtt_publish, target: { topic: fleet/acme/tick } }]
`);
    const reader = await requestReader(fixture);
    const env = (instance: string) => ({
      REGISTRY_DATABASE_SCHEMA: fixture.databaseSchema,
      AUTOMATIONS_HANDLER_REQUESTS_TOPIC: fixture.handlerRequestsTopic,
      AUTOMATIONS_DEAD_LETTER_TOPIC: fixture.deadLetterTopic,
      AUTOMATIONS_GROUP_ID: fixture.groupId,
      AUTOMATIONS_INSTANCE_ID: instance,
      AUTOMATIONS_EVENTS: 'false',
      AUTOMATIONS_HISTORY: 'false',
      AUTOMATIONS_LEADER_POLL_INTERVAL: '200ms',
      AUTOMATIONS_SCHEDULER_TICK: '100ms',
    });
    const processes = [spawnComponent('automations', env('a')), spawnComponent('automations', env('b'))];
    const slots = () => reader.records.map((r) => Date.parse(r.value.trigger.slice('schedule:'.length)));
    await eventually(() => (reader.records.length >= 3 ? true : undefined), 'three slots fired', 60_000);
    const leader = await eventually(() => processes.find((p) => p.output().includes('"event":"leadership_taken"')), 'a leader');
    const standby = processes.find((p) => p !== leader)!;
    expect(await leader.kill('SIGKILL')).toBe('SIGKILL');
    const killedAt = Date.now();
    await eventually(() => (standby.output().includes('"event":"leadership_taken"') ? true : undefined), 'the standby to lead', 30_000);
    await eventually(() => (Math.max(...slots()) > killedAt + 3000 ? true : undefined), 'slots after the kill', 30_000);
    await standby.kill('SIGTERM');

    // A fire the leader recorded but was killed before the broker acknowledged is sent again by the
    // new leader under the same execution id, which the handlers run once: so count execution ids.
    const idsBySlot = new Map<number, Set<string>>();
    for (const r of reader.records) {
      const slot = Date.parse(r.value.trigger.slice('schedule:'.length));
      idsBySlot.set(slot, (idsBySlot.get(slot) ?? new Set()).add(r.value.executionId));
    }
    const fired = [...idsBySlot.keys()].sort((x, y) => x - y);
    // each slot one execution (one action), and none missing from the first to the last
    expect([...idsBySlot.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    expect(fired.length).toBe((fired[fired.length - 1]! - fired[0]!) / 1000 + 1);
  }, 120_000);
});
