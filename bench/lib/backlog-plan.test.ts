import { createBacklogPlan, type BacklogShape } from './backlog-plan';

const hour = 3_600_000;
const now = Date.UTC(2024, 5, 1, 12);
const shape: BacklogShape = {
  devices: 3,
  messagesPerDevice: 4,
  metrics: ['temperature', 'energy_kwh'],
  tenantPrefix: 'backlog',
  from: now - 6 * hour,
  to: now,
  currentAt: now,
  recentMessages: 1,
  seed: 7,
  counterResetProbability: 0,
};

const parsed = (payload: Buffer) => JSON.parse(payload.toString()) as { ts: number; readings: Record<string, number>; kinds: Record<string, string> };

describe('backlog plan', () => {
  test('every device sends its readings in time order, spread evenly over the span, the devices interleaved', () => {
    const messages = [...createBacklogPlan(shape).backlog()];
    expect(messages).toHaveLength(12);
    expect(messages.map((m) => m.deviceIndex)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const device0 = messages.filter((m) => m.deviceIndex === 0).map((m) => m.ts);
    expect(device0).toEqual([now - 6 * hour, now - 4.5 * hour, now - 3 * hour, now - 1.5 * hour]);
    for (const m of messages) {
      const payload = parsed(m.payload);
      expect(payload.ts).toBe(m.ts);
      expect(payload.kinds).toEqual({ temperature: 'non_additive', energy_kwh: 'energy' });
    }
  });

  test("the current reading comes at currentAt, and an energy meter's continues its backlog (no reset)", () => {
    const plan = createBacklogPlan(shape);
    const backlog = [...plan.backlog()];
    const current = plan.recent();
    expect(current.map((m) => m.deviceIndex)).toEqual([0, 1, 2]);
    for (const m of current) {
      const payload = parsed(m.payload);
      expect(payload.ts).toBe(now);
      const energy = backlog.filter((b) => b.deviceIndex === m.deviceIndex).map((b) => parsed(b.payload).readings.energy_kwh!);
      for (let i = 1; i < energy.length; i++) expect(energy[i]).toBeGreaterThanOrEqual(energy[i - 1]!);
      expect(payload.readings.energy_kwh).toBeGreaterThanOrEqual(energy[energy.length - 1]!);
    }
    expect(plan.readings).toBe(24);
  });

  test('recent messages span [to, currentAt] after the backlog, in time order, and continue each energy meter', () => {
    const plan = createBacklogPlan({ ...shape, to: now - 2 * hour, recentMessages: 3 });
    const recent = plan.recent();
    expect(recent.map((m) => [m.deviceIndex, m.ts])).toEqual([now - 2 * hour, now - hour, now].flatMap((ts) => [0, 1, 2].map((d) => [d, ts])));
    const backlogTimes = [...plan.backlog()].map((m) => m.ts);
    expect(Math.max(...backlogTimes)).toBeLessThan(now - 2 * hour);
    const energy = recent.filter((m) => m.deviceIndex === 0).map((m) => parsed(m.payload).readings.energy_kwh!);
    expect(energy).toEqual([...energy].sort((a, b) => a - b));
  });

  test('the same seed plans the same backlog', () => {
    const a = [...createBacklogPlan(shape).backlog()].map((m) => m.payload.toString());
    const b = [...createBacklogPlan(shape).backlog()].map((m) => m.payload.toString());
    const c = [...createBacklogPlan({ ...shape, seed: 8 }).backlog()].map((m) => m.payload.toString());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
