import type { Measurement } from './types';
import { childrenKey, latestFromHash, latestKey, liveChannel, liveChannelPattern, liveMessage, parseLiveMessage, rollupsKey } from './redis-keys';

describe('redis key layout', () => {
  it('names keys as the layout says', () => {
    expect(latestKey('fleet:', '/a/b/c/t')).toBe('fleet:latest:/a/b/c/t');
    expect(liveChannel('fleet:', '/a/b/c/t')).toBe('fleet:live:/a/b/c/t');
    expect(rollupsKey('fleet:', '1h', '/a/b/c/t')).toBe('fleet:rollups:1h:/a/b/c/t');
    expect(childrenKey('fleet:', '/')).toBe('fleet:children:/');
  });

  it('reads back the live message the sink writes, with a null unit when there is none', () => {
    const m: Measurement = { path: '/a/b/c/t', tenant: 'a', site: 'b', device: 'c', metric: 't', kind: 'non_additive', timestamp: 5, value: 2.5, unit: null, tags: {}, receivedAt: 6, sourceTopic: null };
    expect(JSON.parse(liveMessage(m))).toEqual({ path: '/a/b/c/t', time: 5, value: 2.5, kind: 'non_additive', unit: null });
    expect(parseLiveMessage('fleet:', liveChannel('fleet:', m.path), liveMessage(m))).toEqual({ path: '/a/b/c/t', time: 5, value: 2.5, kind: 'non_additive', unit: null });
    expect(() => parseLiveMessage('fleet:', 'fleet:live:/a', 'not json')).toThrow();
  });

  it('reads a latest hash, an empty unit as null, and no hash as no value', () => {
    expect(latestFromHash('/a/b/c/t', { time: '5', value: '2.5', kind: 'energy', unit: '', receivedAt: '6' })).toEqual({ path: '/a/b/c/t', time: 5, value: 2.5, kind: 'energy', unit: null, receivedAt: 6 });
    expect(latestFromHash('/a/b/c/t', {})).toBeUndefined();
  });

  it('escapes glob characters of a path prefix in the live pattern', () => {
    expect(liveChannelPattern('fleet:', '/acme/pl*nt[1]/')).toBe('fleet:live:/acme/pl\\*nt\\[1\\]/*');
  });
});
