import { RuleBook } from '../../stream-processors/alerts/rule-book';
import { alertRuleDocument, nthReading, readingValue, ruleCount, seriesCount, seriesOf } from './alert-series';

const small = { sites: 4, metrics: 3, devicesPerSite: 5 };

describe('the alert benchmarks\' rules and series', () => {
  it('reads every series by exactly one rule, each rule reading devicesPerSite series', () => {
    const book = new RuleBook(alertRuleDocument(small).rules);
    expect(book.size).toBe(ruleCount(small));
    const perRule = new Map<string, number>();
    const paths = new Set<string>();
    for (let i = 0; i < seriesCount(small); i++) {
      const { path } = seriesOf(i, small);
      paths.add(path);
      const rules = book.rulesOf(path);
      expect(rules).toHaveLength(1);
      perRule.set(rules[0]!.key, (perRule.get(rules[0]!.key) ?? 0) + 1);
    }
    expect(paths.size).toBe(60);
    expect([...perRule.values()]).toEqual(Array.from({ length: 12 }, () => 5));
  });

  it('makes every reading of a crossing series a crossing, and keeps the others at 50', () => {
    expect([0, 1, 2, 3].map((round) => readingValue(10, round, 5))).toEqual([90, 60, 90, 60]);
    expect(readingValue(11, 0, 5)).toBe(50);
    expect(readingValue(0, 0, 0)).toBe(50);
  });

  it('reads the series round robin', () => {
    const first = nthReading(0, 1000, small, 5);
    const again = nthReading(60, 2000, small, 5);
    expect(again.path).toBe(first.path);
    expect([first.value, again.value]).toEqual([90, 60]);
    expect(first).toMatchObject({ tenant: 'bench', site: 'site0', device: 'd0', metric: 'm0', timestamp: 1000 });
  });
});
