import { matchesAll, matcherText, parseMatcher, type LabelMatcher } from './label-matchers';

const m = (text: string) => parseMatcher(text) as LabelMatcher;

describe('label matchers', () => {
  it('reads the four operators, bare and quoted values', () => {
    expect([m('severity=critical'), m('site != "plant 1"'), m('team=~"heat.*"'), m('device!~boiler[0-9]')].map(matcherText)).toEqual([
      'severity="critical"',
      'site!="plant 1"',
      'team=~"heat.*"',
      'device!~"boiler[0-9]"',
    ]);
    expect(m('note="say \\"hi\\"\\n"').value).toBe('say "hi"\n');
  });

  it('anchors regexes at both ends, as Alertmanager does', () => {
    expect(matchesAll([m('severity=~"warn|crit"')], { severity: 'critical' })).toBe(false);
    expect(matchesAll([m('severity=~"warn|crit.*"')], { severity: 'critical' })).toBe(true);
  });

  it('reads a missing label as the empty string', () => {
    expect(matchesAll([m('team=""')], {})).toBe(true);
    expect(matchesAll([m('team!=""')], {})).toBe(false);
    expect(matchesAll([m('team!~"a.*"')], {})).toBe(true);
  });

  it('names what is wrong with a matcher that does not parse', () => {
    expect(parseMatcher('severity')).toMatch(/is no matcher/);
    expect(parseMatcher('9x=a')).toMatch(/is no matcher/);
    expect(parseMatcher('a="open')).toMatch(/unterminated/);
    expect(parseMatcher('a=~"("')).toMatch(/does not compile/);
  });

  it('an empty list matches everything', () => {
    expect(matchesAll([], { any: 'thing' })).toBe(true);
  });
});
