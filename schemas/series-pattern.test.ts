import { compilePattern, patternProblem } from './series-pattern';

describe('series path patterns', () => {
  it('match * to one segment and ** to any number of them', () => {
    const oneSite = compilePattern('/acme/plant1/*/temperature');
    expect(oneSite('/acme/plant1/boiler/temperature')).toBe(true);
    expect(oneSite('/acme/plant1/boiler/pressure')).toBe(false);
    expect(oneSite('/acme/plant1/temperature')).toBe(false);
    expect(oneSite('/acme/plant2/boiler/temperature')).toBe(false);
    const anywhere = compilePattern('/acme/**/temperature');
    expect(anywhere('/acme/plant1/boiler/temperature')).toBe(true);
    expect(anywhere('/acme/temperature')).toBe(true);
    expect(anywhere('/beta/plant1/boiler/temperature')).toBe(false);
    expect(compilePattern('/acme/**')('/acme/a/b/c')).toBe(true);
    expect(compilePattern('/acme/plant1/boiler/temperature')('/acme/plant1/boiler/temperature')).toBe(true);
  });

  it('refuse patterns that are not paths or put * inside a segment', () => {
    expect(patternProblem('acme/*')).toMatch(/start with \//);
    expect(patternProblem('/acme//x')).toMatch(/empty segment/);
    expect(patternProblem('/acme/temp*')).toMatch(/whole segments/);
    expect(patternProblem('/acme/*/x')).toBeUndefined();
  });
});
