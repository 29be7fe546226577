import { resolveSimulationOptions, type SimulationOptionsInput } from './options';
import { createFleetPlan, type PlannedMessage } from './plan';

const t0 = Date.UTC(2024, 5, 1, 12);

function runPlan(input: SimulationOptionsInput, stepMs = 10): PlannedMessage[] {
  const options = resolveSimulationOptions(input);
  const plan = createFleetPlan(options);
  const out: PlannedMessage[] = [];
  for (let i = 0; i < options.totalMessages; i++) out.push(...plan.next(t0 + i * stepMs));
  out.push(...plan.flush());
  return out;
}

describe('fleet plan', () => {
  test('devices take turns, spread over tenants and sites, each message carrying every metric', () => {
    const messages = runPlan({ devices: 20, tenants: 2, sitesPerTenant: 2, messages: 40 });
    expect(messages).toHaveLength(40);
    expect(new Set(messages.map((m) => m.deviceIndex)).size).toBe(20);
    expect(new Set(messages.map((m) => m.topic.split('/')[1])).size).toBe(2);
    expect(new Set(messages.map((m) => m.topic.split('/').slice(1, 3).join('/'))).size).toBe(4);
    for (const m of messages) {
      expect(m.topic).toMatch(/^fleet\/tenant-0[12]\/site-0[12]\/dev-\d{5}\/up$/);
      expect(m.readings.map((r) => r.kind).sort()).toEqual(['additive', 'energy', 'non_additive']);
      const payload = JSON.parse(m.payload.toString());
      expect(payload.ts).toBe(m.readings[0]?.ts);
      expect(Object.keys(payload.readings)).toHaveLength(3);
    }
  });

  test('the same seed plans the same messages', () => {
    const a = runPlan({ devices: 10, messages: 50, jitter: '5ms', clockSkew: '100ms', duplicateFraction: 0.2, malformedFraction: 0.2, outOfOrderFraction: 0.2, seed: 42 });
    const b = runPlan({ devices: 10, messages: 50, jitter: '5ms', clockSkew: '100ms', duplicateFraction: 0.2, malformedFraction: 0.2, outOfOrderFraction: 0.2, seed: 42 });
    const c = runPlan({ devices: 10, messages: 50, jitter: '5ms', clockSkew: '100ms', duplicateFraction: 0.2, malformedFraction: 0.2, outOfOrderFraction: 0.2, seed: 43 });
    expect(a.map((m) => m.payload.toString())).toEqual(b.map((m) => m.payload.toString()));
    expect(a.map((m) => m.payload.toString())).not.toEqual(c.map((m) => m.payload.toString()));
  });

  test('injections come at the requested fractions, and every regular reading is sent exactly once', () => {
    const messages = runPlan({ devices: 100, messages: 10_000, duplicateFraction: 0.05, malformedFraction: 0.02, outOfOrderFraction: 0.1 });
    const of = (type: string): PlannedMessage[] => messages.filter((m) => m.type === type);
    expect(of('regular')).toHaveLength(10_000);
    expect(of('duplicate').length / 10_000).toBeCloseTo(0.05, 1);
    expect(of('malformed').length / 10_000).toBeCloseTo(0.02, 1);
    expect(messages.filter((m) => m.outOfOrder).length / 10_000).toBeGreaterThan(0.07);
    expect(messages.filter((m) => m.outOfOrder).length / 10_000).toBeLessThan(0.13);
    const keys = of('regular').flatMap((m) => m.readings.map((r) => `${r.path}@${r.ts}`));
    expect(new Set(keys).size).toBe(30_000);
    for (const d of of('duplicate')) expect(messages.some((m) => m.type === 'regular' && m.payload.equals(d.payload))).toBe(true);
    expect(new Set(of('malformed').map((m) => m.variant)).size).toBeGreaterThan(5);
  });

  test('an out-of-order message goes out right after a later one of its device', () => {
    const messages = runPlan({ devices: 5, messages: 500, outOfOrderFraction: 0.3 }).filter((m) => m.type === 'regular');
    const lastTs = new Map<number, number>();
    let seen = 0;
    for (const m of messages) {
      const ts = m.readings[0]?.ts as number;
      const previous = lastTs.get(m.deviceIndex);
      if (m.outOfOrder) {
        seen++;
        expect(previous).toBeGreaterThan(ts);
      } else if (previous !== undefined) {
        expect(ts).toBeGreaterThan(previous);
      }
      lastTs.set(m.deviceIndex, Math.max(ts, previous ?? ts));
    }
    expect(seen).toBeGreaterThan(50);
  });

  test('jitter and clock skew stay within their bounds, and a series never repeats a time', () => {
    const messages = runPlan({ devices: 10, messages: 1000, jitter: '20ms', clockSkew: '500ms' }, 1);
    const tsByDevice = new Map<number, number[]>();
    messages.forEach((m, i) => {
      const ts = m.readings[0]?.ts as number;
      expect(Math.abs(ts - (t0 + i))).toBeLessThanOrEqual(520 + 10);
      tsByDevice.set(m.deviceIndex, [...(tsByDevice.get(m.deviceIndex) ?? []), ts]);
    });
    for (const times of tsByDevice.values()) expect(new Set(times).size).toBe(times.length);
  });
});

describe('simulation options', () => {
  test('derive the message rate and count from rate and duration', () => {
    const o = resolveSimulationOptions({ rate: 3000, duration: '10s' });
    expect(o.messageRate).toBe(1000);
    expect(o.totalMessages).toBe(10_000);
    expect(resolveSimulationOptions({ devices: 10, interval: '500ms', messages: 7 })).toMatchObject({ messageRate: 20, totalMessages: 7 });
  });

  test('are rejected with a message naming the option', () => {
    expect(() => resolveSimulationOptions({ rate: 10, interval: '10ms' })).toThrow('set either rate or interval');
    expect(() => resolveSimulationOptions({ devices: 4, connections: 8 })).toThrow(/connections: must be at most devices/);
    expect(() => resolveSimulationOptions({ duplicateFraction: 2 })).toThrow(/duplicateFraction/);
    expect(() => resolveSimulationOptions({ device: 4 })).toThrow(/device/);
  });
});
