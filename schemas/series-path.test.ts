import { hierarchyEdges, parseSeriesPath, segmentProblem, seriesPath, tenantRoot } from './series-path';

describe('series path', () => {
  it('builds a path from a device and a metric, and parses it back', () => {
    const path = seriesPath({ tenant: 'acme', site: 'plant1', device: 'm7' }, 'energy_kwh');
    expect(path).toBe('/acme/plant1/m7/energy_kwh');
    expect(parseSeriesPath(path)).toEqual({ tenant: 'acme', site: 'plant1', device: 'm7', metric: 'energy_kwh' });
  });

  it.each(['acme/plant1/m7/kwh', '/acme/plant1/m7', '/acme/plant1/m7/kwh/extra', '/acme//m7/kwh', '/acme/plant 1/m7/kwh', '/acme/plant1/m#7/kwh'])(
    'refuses %s as a series path',
    (path) => {
      expect(parseSeriesPath(path)).toBeUndefined();
    },
  );

  it('says why a segment is not one, naming it', () => {
    expect(segmentProblem('device', 'm7:a~b@c.d-e_f')).toBeUndefined();
    expect(segmentProblem('metric', 'a/b')).toBe('metric "a/b" is not a valid path segment (letters, digits, _ . : - ~ @)');
    expect(segmentProblem('site', '')).toMatch(/site "" is not/);
    expect(segmentProblem('site', 'x'.repeat(129))).toMatch(/is not a valid/);
  });

  it('roots a tenant\'s paths at /<tenant>/, so acme does not own /acmeco/...', () => {
    expect(tenantRoot('acme')).toBe('/acme/');
    expect('/acmeco/s/d/m'.startsWith(tenantRoot('acme'))).toBe(false);
  });

  it('lists every ancestor edge of a series path, from the root', () => {
    expect(hierarchyEdges('/acme/plant1/m7/kwh')).toEqual([
      ['/', '/acme'], ['/acme', '/acme/plant1'], ['/acme/plant1', '/acme/plant1/m7'], ['/acme/plant1/m7', '/acme/plant1/m7/kwh'],
    ]);
  });
});
