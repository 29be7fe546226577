import type { Measurement, Rollup } from '../../schemas/types';
import { measurementColumns, measurementCopyText, rollupColumns, seriesColumns } from './rows';

function reading(path: string, timestamp: number, value: number, unit: string | null = 'kWh'): Measurement {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return { path, tenant, site, device, metric, kind: 'energy', timestamp, value, unit, tags: {}, receivedAt: timestamp + 5, sourceTopic: null };
}

function rollup(path: string, windowStart: number, count: number, final: boolean): Rollup {
  return {
    path, tenant: 'a', site: 'b', device: 'c', metric: 'd', kind: 'additive', resolution: '1m', windowStart, windowEnd: windowStart + 60_000,
    count, sum: count, min: 1, max: 1, first: 1, firstTime: windowStart, last: 1, lastTime: windowStart, delta: null, resets: 0, final,
    revision: count * 2 + (final ? 1 : 0), computedAt: 0,
  };
}

describe('measurementColumns', () => {
  it('keeps one row per path and time, the first', () => {
    const columns = measurementColumns([reading('/a/b/c/e', 1000, 1), reading('/a/b/c/e', 1000, 9), reading('/a/b/c/e', 2000, 2)]);
    expect(columns).toEqual({ path: ['/a/b/c/e', '/a/b/c/e'], time: [1000, 2000], value: [1, 2], receivedAt: [1005, 2005] });
  });
});

describe('seriesColumns', () => {
  it('spans first and last seen and takes kind and unit from the newest reading, sorted by path', () => {
    const columns = seriesColumns([reading('/t/s/d/z', 5000, 1, 'Wh'), reading('/t/s/d/z', 3000, 1, 'kWh'), reading('/t/s/d/a', 1, 1)]);
    expect(columns.path).toEqual(['/t/s/d/a', '/t/s/d/z']);
    expect(columns.firstSeen).toEqual([1, 3000]);
    expect(columns.lastSeen).toEqual([1, 5000]);
    expect(columns.unit).toEqual(['kWh', 'Wh']);
    expect(columns.metric).toEqual(['a', 'z']);
  });
});

describe('rollupColumns', () => {
  it('keeps the highest revision of each window whatever the arrival order', () => {
    const columns = rollupColumns([rollup('/p', 0, 3, true), rollup('/p', 0, 5, false), rollup('/p', 0, 2, false), rollup('/p', 60_000, 1, false)]);
    expect(columns.bucket).toEqual([0, 60_000]);
    expect(columns.revision).toEqual([10, 2]);
    expect(columns.delta).toEqual([null, null]);
  });
});

describe('measurementCopyText', () => {
  it('escapes what COPY text format treats specially', () => {
    const text = measurementCopyText(measurementColumns([reading('/a\tb\\c/s/d/m', 0, 1.5)]));
    expect(text).toBe('/a\\tb\\\\c/s/d/m\t1970-01-01T00:00:00.000Z\t1.5\t1970-01-01T00:00:00.005Z\n');
  });
});
