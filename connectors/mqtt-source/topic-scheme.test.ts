import { parseTopicScheme } from './topic-scheme';

describe('parseTopicScheme', () => {
  const scheme = parseTopicScheme('fleet/{tenant}/{site}/{device}/up');

  it('derives the subscription filter', () => {
    expect(scheme.filter).toBe('fleet/+/+/+/up');
  });

  it('matches a topic in the scheme', () => {
    expect(scheme.match('fleet/acme/plant1/meter7/up')).toEqual({ tenant: 'acme', site: 'plant1', device: 'meter7' });
  });

  it.each(['fleet/acme/plant1/up', 'fleet/acme/plant1/meter7/down', 'other/acme/plant1/meter7/up', 'fleet/acme/plant1/meter7/up/extra'])(
    'leaves %s outside the scheme',
    (topic) => {
      expect(scheme.match(topic)).toBeUndefined();
    },
  );

  it('allows the placeholders in any order', () => {
    expect(parseTopicScheme('{tenant}/devices/{device}/at/{site}').match('acme/devices/m1/at/p1')).toEqual({ tenant: 'acme', site: 'p1', device: 'm1' });
  });

  it.each([
    ['a missing placeholder', 'fleet/{tenant}/{device}/up', /needs \{site\} exactly once/],
    ['an unknown placeholder', 'fleet/{tenant}/{site}/{device}/{room}', /unknown placeholder \{room\}/],
    ['a wildcard', 'fleet/+/{tenant}/{site}/{device}', /must be a literal/],
  ])('rejects a scheme with %s', (_what, text, message) => {
    expect(() => parseTopicScheme(text)).toThrow(message);
  });
});
