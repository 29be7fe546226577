import { buildMeasurements, type MeasurementLimits } from './measurement-builder';
import { seriesCatalogue } from './series-catalogue';

const receivedAt = 1_700_000_000_000;
const limits: MeasurementLimits = { maxFutureMs: 5 * 60_000, minTimestamp: Date.UTC(2000, 0, 1), defaultKind: 'non_additive' };
const context = { receivedAt, sourceTopic: 'fleet/acme/p1/m7/up', catalogue: seriesCatalogue([{ metric: 'energy_kwh', kind: 'energy', unit: 'kWh' }]), limits };
const address = { tenant: 'acme', site: 'p1', device: 'm7' };
const reading = { metric: 'temperature', value: 21.5, timestamp: receivedAt - 1000, kind: undefined, unit: undefined };

describe('buildMeasurements', () => {
  it('builds the path and fills kind and unit from the payload, then the catalogue, then the default', () => {
    const result = buildMeasurements(
      address,
      [reading, { ...reading, metric: 'energy_kwh', value: 10 }, { ...reading, metric: 'pulses', kind: 'additive', unit: 'count' }],
      context,
    );
    expect(result.ok && result.measurements.map((m) => [m.path, m.kind, m.unit])).toEqual([
      ['/acme/p1/m7/temperature', 'non_additive', null],
      ['/acme/p1/m7/energy_kwh', 'energy', 'kWh'],
      ['/acme/p1/m7/pulses', 'additive', 'count'],
    ]);
  });

  it('uses the receive time when the payload has no timestamp', () => {
    const result = buildMeasurements(address, [{ ...reading, timestamp: undefined }], context);
    expect(result).toMatchObject({ ok: true, measurements: [{ timestamp: receivedAt, receivedAt, sourceTopic: 'fleet/acme/p1/m7/up' }] });
  });

  it('accepts a timestamp exactly at the future limit and rejects one past it', () => {
    expect(buildMeasurements(address, [{ ...reading, timestamp: receivedAt + limits.maxFutureMs }], context).ok).toBe(true);
    expect(buildMeasurements(address, [{ ...reading, timestamp: receivedAt + limits.maxFutureMs + 1 }], context)).toMatchObject({ ok: false, reason: 'timestamp_in_future' });
  });

  it('rejects a timestamp before the floor', () => {
    expect(buildMeasurements(address, [{ ...reading, timestamp: limits.minTimestamp - 1 }], context)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
  });

  it.each([
    ['a metric with a slash', { ...address }, { ...reading, metric: 'a/b' }],
    ['a metric with a space', { ...address }, { ...reading, metric: 'room temp' }],
    ['a device with a wildcard', { ...address, device: 'm#7' }, reading],
  ])('rejects %s as invalid_path', (_what, where, r) => {
    expect(buildMeasurements(where, [r], context)).toMatchObject({ ok: false, reason: 'invalid_path' });
  });

  it('rejects the whole message when one reading is bad', () => {
    expect(buildMeasurements(address, [reading, { ...reading, timestamp: 0 }], context)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
  });
});
