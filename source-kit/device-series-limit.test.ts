import type { Measurement } from '../schemas/types';
import { DeviceSeriesLimit } from './device-series-limit';
import type { BuildResult } from './measurement-builder';

const reading = (device: string, metric: string): Measurement => ({
  path: `/acme/p1/${device}/${metric}`,
  tenant: 'acme',
  site: 'p1',
  device,
  metric,
  kind: 'non_additive',
  timestamp: 0,
  value: 1,
  unit: null,
  tags: {},
  receivedAt: 0,
  sourceTopic: null,
});
const message = (device: string, ...metrics: string[]): BuildResult => ({ ok: true, measurements: metrics.map((m) => reading(device, m)) });

describe('the series-per-device limit', () => {
  it('accepts a device up to its limit, metrics it has already at any time, and refuses a message that would pass it, whole', () => {
    const limit = new DeviceSeriesLimit(3);
    expect(limit.admit(message('m1', 'a', 'b')).ok).toBe(true);
    expect(limit.admit(message('m1', 'a', 'b', 'c')).ok).toBe(true);
    const refused = limit.admit(message('m1', 'a', 'd'));
    expect(refused).toEqual({ ok: false, reason: 'series_limit', message: expect.stringContaining('device acme/p1/m1 has 3 series and this message adds 1 (d)') });
    // the refused message counted nothing: its known metric still passes, the new one still fails
    expect(limit.admit(message('m1', 'c', 'a')).ok).toBe(true);
    expect(limit.admit(message('m1', 'd')).ok).toBe(false);
  });

  it('counts each device on its own, and leaves failed builds as they are', () => {
    const limit = new DeviceSeriesLimit(1);
    expect(limit.admit(message('m1', 'a')).ok).toBe(true);
    expect(limit.admit(message('m2', 'b')).ok).toBe(true);
    expect(limit.devices).toBe(2);
    const failed: BuildResult = { ok: false, reason: 'malformed_json', message: 'x' };
    expect(limit.admit(failed)).toBe(failed);
  });
});
