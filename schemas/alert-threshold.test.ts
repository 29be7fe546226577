import { describeThreshold, parseThreshold, thresholdHolds } from './alert-threshold';

describe('thresholds', () => {
  it('read a comparison and a number, and hold as the comparison says', () => {
    expect(parseThreshold('> 80')).toEqual({ op: '>', value: 80 });
    expect(parseThreshold('<=-0.5')).toEqual({ op: '<=', value: -0.5 });
    expect(parseThreshold(' == 1e3 ')).toEqual({ op: '==', value: 1000 });
    const cases: [string, number, boolean][] = [['> 1', 1, false], ['>= 1', 1, true], ['< 1', 0.9, true], ['<= 1', 1.1, false], ['== 0', 0, true], ['!= 0', 0, false]];
    for (const [text, value, holds] of cases) expect([text, value, thresholdHolds(parseThreshold(text)!, value)]).toEqual([text, value, holds]);
    expect(describeThreshold(parseThreshold('>=2')!)).toBe('>= 2');
  });

  it('refuse what is no comparison and number', () => {
    for (const text of ['80', '=> 80', '> eighty', '> 80 or < 10', '', '> NaN', '> Infinity']) expect(parseThreshold(text)).toBeUndefined();
  });
});
