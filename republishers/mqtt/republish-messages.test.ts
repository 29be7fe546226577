import type { AlertEvent, Rollup } from '../../schemas/types';
import { alertMessage, compareOrder, newestPerTopic, rollupMessage, underRoot, type RepublishMessage } from './republish-messages';

const t0 = Date.UTC(2026, 11, 3, 10, 0);

function rollup(overrides: Partial<Rollup> = {}): Rollup {
  return {
    path: '/acme/plant1/meter/kwh', tenant: 'acme', site: 'plant1', device: 'meter', metric: 'kwh', kind: 'energy', resolution: '1h',
    windowStart: t0, windowEnd: t0 + 3_600_000, count: 4, sum: 10, min: 1, max: 4, first: 1, firstTime: t0, last: 4, lastTime: t0 + 60_000,
    delta: 3, resets: 0, final: true, revision: 2, computedAt: t0 + 3_700_000, ...overrides,
  };
}

function alert(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    alarmId: 'a1', tenant: 'acme', ruleId: 'boiler-hot', path: '/acme/plant1/boiler/temp', transition: 'firing', from: 'pending', to: 'firing',
    severity: 'critical', previousSeverity: null, value: 95, reads: 'raw', eventTime: t0, episodeStart: t0 - 60_000, labels: {}, emittedAt: t0 + 20, ...overrides,
  };
}

const message = (topic: string, major: number, minor: number, payload = `${major}/${minor}`): RepublishMessage => ({ topic, tenant: 'acme', kind: 'rollup', order: { major, minor }, payload });

describe('rollupMessage', () => {
  it('puts a final rollup on its series and resolution, ordered by window then revision, with the mean', () => {
    const mapped = rollupMessage('fleet-out', rollup());
    expect(mapped).toEqual({ message: expect.objectContaining({ topic: 'fleet-out/acme/plant1/meter/kwh/rollup/1h', tenant: 'acme', kind: 'rollup', order: { major: t0, minor: 2 } }) });
    const payload = JSON.parse((mapped as { message: RepublishMessage }).message.payload);
    expect(payload).toMatchObject({ type: 'rollup', path: '/acme/plant1/meter/kwh', resolution: '1h', revision: 2, windowStart: '2026-12-03T10:00:00.000Z', mean: 2.5, delta: 3 });
  });

  it('skips a provisional rollup', () => {
    expect(rollupMessage('fleet-out', rollup({ final: false }))).toEqual({ skipped: 'provisional' });
  });

  it('refuses a path that is no series path (its topic would be ambiguous)', () => {
    expect(rollupMessage('fleet-out', rollup({ path: '/acme/plant1/meter' }))).toEqual({ invalid: expect.stringContaining('/acme/plant1/meter') });
    expect(rollupMessage('fleet-out', rollup({ path: '/acme/plant1/meter/k+w' }))).toHaveProperty('invalid');
  });

  it('gives a mean of null for an empty window', () => {
    const mapped = rollupMessage('fleet-out', rollup({ count: 0, sum: 0 })) as { message: RepublishMessage };
    expect(JSON.parse(mapped.message.payload).mean).toBeNull();
  });
});

describe('alertMessage', () => {
  it("puts an alert's state on the rule's topic under its series, ordered by emission", () => {
    const mapped = alertMessage('fleet-out', alert()) as { message: RepublishMessage };
    expect(mapped.message).toMatchObject({ topic: 'fleet-out/acme/plant1/boiler/temp/alert/boiler-hot', kind: 'alert', order: { major: t0 + 20, minor: 0 } });
    expect(JSON.parse(mapped.message.payload)).toMatchObject({ type: 'alert', ruleId: 'boiler-hot', state: 'firing', transition: 'firing', severity: 'critical', alarmId: 'a1' });
  });

  it('publishes a resolved alert as its normal state', () => {
    const mapped = alertMessage('fleet-out', alert({ transition: 'resolved', from: 'firing', to: 'normal', severity: null })) as { message: RepublishMessage };
    expect(JSON.parse(mapped.message.payload)).toMatchObject({ state: 'normal', transition: 'resolved', severity: null });
  });
});

describe('newestPerTopic', () => {
  it('keeps the newest message of each topic: a later window beats a higher revision of an earlier one', () => {
    const newest = newestPerTopic([message('a', t0, 5), message('b', t0, 1), message('a', t0 + 60_000, 1), message('a', t0, 9)]);
    expect(newest.map((m) => [m.topic, m.order])).toEqual([['a', { major: t0 + 60_000, minor: 1 }], ['b', { major: t0, minor: 1 }]]);
  });

  it('takes the later record of an equal order', () => {
    expect(newestPerTopic([message('a', 1, 1, 'first'), message('a', 1, 1, 'second')])[0]!.payload).toBe('second');
  });
});

describe('compareOrder and underRoot', () => {
  it('compares window first, revision second', () => {
    expect(compareOrder({ major: 2, minor: 0 }, { major: 1, minor: 9 })).toBeGreaterThan(0);
    expect(compareOrder({ major: 1, minor: 1 }, { major: 1, minor: 2 })).toBeLessThan(0);
    expect(compareOrder({ major: 1, minor: 1 }, { major: 1, minor: 1 })).toBe(0);
  });

  it("moves a topic under the bridge's prefix", () => {
    expect(underRoot('fleet-out/acme/s/d/m/rollup/1m', 'fleet-out', 'site-7/fleet')).toBe('site-7/fleet/acme/s/d/m/rollup/1m');
  });
});
