import { automationFromDefinition, type ScheduleTrigger } from '../../schemas/automation';
import { decideSlots, localTime, scheduleOf, type Schedule } from './schedule-slots';

const mqtt = { handler: 'mqtt_publish', target: { topic: 'fleet/acme/x' } };
const triggerOf = (trigger: Record<string, unknown>) => automationFromDefinition('acme', { id: 'a', trigger: { on: 'schedule', ...trigger }, actions: [mqtt] }).trigger as ScheduleTrigger;

const schedules: Schedule[] = [];
const scheduled = (trigger: Record<string, unknown>) => {
  const schedule = scheduleOf(triggerOf(trigger));
  schedules.push(schedule);
  return schedule;
};
afterAll(() => schedules.forEach((s) => s.close()));

const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

describe('schedule slots', () => {
  it('reads a cron expression in its time zone, daylight saving time included', () => {
    const seven = scheduled({ cron: '0 7 * * *', timezone: 'Europe/Berlin' });
    // 07:00 in Berlin: 06:00 UTC in winter, 05:00 UTC in summer
    expect(iso(seven.slotsBetween(Date.parse('2026-03-27T00:00:00Z'), Date.parse('2026-03-30T00:00:00Z')))).toEqual(['2026-03-27T06:00:00.000Z', '2026-03-28T06:00:00.000Z', '2026-03-29T05:00:00.000Z']);
  });

  it('counts seconds for 6-field expressions and keeps the newest under a limit', () => {
    const everyTwo = scheduled({ cron: '*/2 * * * * *', timezone: 'UTC' });
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(everyTwo.slotsBetween(t, t + 10_000).map((s) => (s - t) / 1000)).toEqual([2, 4, 6, 8, 10]);
    expect(everyTwo.slotsBetween(t, t + 10_000, 2).map((s) => (s - t) / 1000)).toEqual([8, 10]);
    // (after, until]: the start is excluded, the end included
    expect(everyTwo.slotsBetween(t + 2000, t + 4000).map((s) => (s - t) / 1000)).toEqual([4]);
  });

  it('aligns intervals to validity.from, else to the epoch, so that every instance computes the same slots', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(scheduled({ every: '15m' }).slotsBetween(t - 1, t + 30 * 60_000).map((s) => (s - t) / 60_000)).toEqual([0, 15, 30]);
    const from = t + 7 * 60_000;
    expect(scheduled({ every: '15m', validity: { from: new Date(from).toISOString() } }).slotsBetween(t, t + 40 * 60_000).map((s) => (s - t) / 60_000)).toEqual([7, 22, 37]);
  });

  it('fires only inside the validity window: from, until, days and hours in the zone (hours may span midnight)', () => {
    const t = Date.parse('2026-01-05T00:00:00Z'); // a Monday
    const hourly = scheduled({ cron: '0 * * * *', timezone: 'America/New_York', validity: { days: ['mon'], hours: '22:00-02:00', until: '2026-01-06T06:30:00Z' } });
    // Monday 22:00 and 23:00 in New York are 03:00 and 04:00 UTC on Tuesday; Monday 00:00 and 01:00 there are 05:00 and 06:00 UTC on Monday
    expect(iso(hourly.slotsBetween(t, t + 2 * 86_400_000))).toEqual(['2026-01-05T05:00:00.000Z', '2026-01-05T06:00:00.000Z', '2026-01-06T03:00:00.000Z', '2026-01-06T04:00:00.000Z']);
    expect(localTime(Date.parse('2026-01-06T03:00:00Z'), 'America/New_York')).toEqual({ weekday: 'mon', minuteOfDay: 22 * 60 });
  });
});

describe('the missed-run policy', () => {
  const t = Date.parse('2026-01-01T00:00:00Z');
  const everySecond = scheduled({ cron: '* * * * * *', timezone: 'UTC' });
  const decide = (policy: 'skip' | 'fireOnce' | 'fireAll', decidedUntil: number, now: number, maxMissedRuns = 3) =>
    decideSlots({ schedule: everySecond, policy, maxMissedRuns, decidedUntil, now, graceMs: 2000, lookbackMs: 3_600_000 });

  it('fires each slot within the grace, whatever the policy', () => {
    for (const policy of ['skip', 'fireOnce', 'fireAll'] as const) {
      expect(decide(policy, t, t + 2500)).toEqual({ fires: [{ slot: t + 1000, missedSlots: 0 }, { slot: t + 2000, missedSlots: 0 }], skipped: 0, decidedUntil: t + 2500 });
    }
    expect(decide('skip', t + 2500, t + 2900).fires).toEqual([]);
  });

  it('after a downtime: skip fires none of the missed slots, fireOnce one for all at the newest, fireAll the newest maxMissedRuns', () => {
    const now = t + 60_000;
    const onTime = [{ slot: now - 2000, missedSlots: 0 }, { slot: now - 1000, missedSlots: 0 }, { slot: now, missedSlots: 0 }];
    expect(decide('skip', t, now)).toEqual({ fires: onTime, skipped: 57, decidedUntil: now });
    expect(decide('fireOnce', t, now)).toEqual({ fires: [{ slot: now - 3000, missedSlots: 57 }, ...onTime], skipped: 0, decidedUntil: now });
    expect(decide('fireAll', t, now)).toEqual({ fires: [now - 5000, now - 4000, now - 3000].map((slot) => ({ slot, missedSlots: 1 })).concat(onTime), skipped: 54, decidedUntil: now });
  });

  it('looks no further back than the lookback', () => {
    const decision = decideSlots({ schedule: everySecond, policy: 'fireOnce', maxMissedRuns: 1, decidedUntil: t, now: t + 86_400_000, graceMs: 0, lookbackMs: 10_000 });
    expect(decision.fires).toEqual([{ slot: t + 86_400_000 - 1000, missedSlots: 9 }, { slot: t + 86_400_000, missedSlots: 0 }]);
  });
});
