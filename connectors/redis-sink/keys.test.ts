import type { Measurement } from '../../schemas/types';
import { childrenKey, hierarchyEdges, latestKey, liveMessage, rollupsKey } from './keys';

describe('redis key layout', () => {
  it('names keys as the contracts say', () => {
    expect(latestKey('fleet:', '/a/b/c/t')).toBe('fleet:latest:/a/b/c/t');
    expect(rollupsKey('fleet:', '1h', '/a/b/c/t')).toBe('fleet:rollups:1h:/a/b/c/t');
    expect(childrenKey('fleet:', '/')).toBe('fleet:children:/');
  });

  it('lists every ancestor edge of a series path, from the root', () => {
    expect(hierarchyEdges('/acme/plant1/m7/kwh')).toEqual([
      ['/', '/acme'], ['/acme', '/acme/plant1'], ['/acme/plant1', '/acme/plant1/m7'], ['/acme/plant1/m7', '/acme/plant1/m7/kwh'],
    ]);
  });

  it('writes the live message with a null unit when there is none', () => {
    const m: Measurement = { path: '/a/b/c/t', tenant: 'a', site: 'b', device: 'c', metric: 't', kind: 'non_additive', timestamp: 5, value: 2.5, unit: null, tags: {}, receivedAt: 6, sourceTopic: null };
    expect(JSON.parse(liveMessage(m))).toEqual({ path: '/a/b/c/t', time: 5, value: 2.5, kind: 'non_additive', unit: null });
  });
});
