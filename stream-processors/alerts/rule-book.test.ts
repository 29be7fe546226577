import type { Rollup } from '../../schemas/types';
import { parseRuleDocument } from '../../schemas/alert-rule';
import { RuleBook } from './rule-book';

const book = new RuleBook(
  parseRuleDocument(
    `tenant: acme
rules:
  - { id: hot, series: ['/acme/*/*/temperature'], severities: [{ severity: warning, when: '> 80' }] }
  - { id: peak, series: ['/acme/**'], reads: 1m max, severities: [{ severity: warning, when: '> 100' }] }
  - { id: use, series: ['/acme/**'], reads: 1m delta, severities: [{ severity: warning, when: '> 5' }] }
`,
    'rules.yaml',
  ).rules,
);

const rollup = (overrides: Partial<Rollup>): Rollup => ({
  path: '/acme/plant1/boiler/temperature', tenant: 'acme', site: 'plant1', device: 'boiler', metric: 'temperature', kind: 'non_additive', resolution: '1m',
  windowStart: 60_000, windowEnd: 120_000, count: 4, sum: 400, min: 90, max: 130, first: 90, firstTime: 60_000, last: 110, lastTime: 110_000,
  delta: null, resets: 0, final: true, revision: 2, computedAt: 130_000, ...overrides,
});

describe('the rule book', () => {
  it('gives a raw reading to the raw rules of its series', () => {
    const samples = book.readingSamples({ path: '/acme/plant1/boiler/temperature', timestamp: 5, value: 81 } as never);
    expect(samples.map((s) => [s.key, s.sample])).toEqual([['acme/hot', { time: 5, value: 81 }]]);
    expect(book.readingSamples({ path: '/acme/plant1/boiler/pressure', timestamp: 5, value: 81 } as never)).toEqual([]);
  });

  it('gives a final rollup to the rules of its resolution, its field at the window end, and a provisional one to none', () => {
    expect(book.rollupSamples(rollup({})).map((s) => [s.key, s.sample])).toEqual([['acme/peak', { time: 120_000, value: 130 }]]);
    expect(book.rollupSamples(rollup({ kind: 'energy', delta: 7 })).map((s) => [s.key, s.sample.value])).toEqual([['acme/peak', 130], ['acme/use', 7]]);
    expect(book.rollupSamples(rollup({ final: false }))).toEqual([]);
    expect(book.rollupSamples(rollup({ resolution: '1h' }))).toEqual([]);
  });

  it('says which inputs some rule reads, and finds a rule by key', () => {
    expect([book.reads('raw'), book.reads({ resolution: '1m' }), book.reads({ resolution: '1h' })]).toEqual([true, true, false]);
    expect(new RuleBook([]).reads('raw')).toBe(false);
    expect(book.get('acme/use')?.reads).toEqual({ kind: 'rollup', resolution: '1m', field: 'delta' });
  });

  it('gives a rule with tags only the series of devices whose registry tags hold them all', () => {
    const rules = parseRuleDocument(
      `tenant: acme
rules:
  - { id: north-hot, series: ['/acme/**'], tags: { building: north, floor: '2' }, severities: [{ severity: warning, when: '> 80' }] }
`,
      'rules.yaml',
    ).rules;
    const tags: Record<string, Record<string, string>> = {
      '/acme/plant1/a/': { building: 'north', floor: '2', extra: 'x' },
      '/acme/plant1/b/': { building: 'north', floor: '3' },
    };
    const tagged = new RuleBook(rules, (path) => tags[path.slice(0, path.lastIndexOf('/') + 1)]);
    const keys = (path: string) => tagged.rulesOf(path).map((b) => b.key);
    expect([keys('/acme/plant1/a/temperature'), keys('/acme/plant1/b/temperature'), keys('/acme/plant1/unregistered/temperature')]).toEqual([['acme/north-hot'], [], []]);
  });

  it('lists the tenants with a no-data rule per input', () => {
    const rules = parseRuleDocument(
      `tenant: globex
rules:
  - { id: quiet, series: ['/globex/**'], reads: 1h mean, severities: [{ severity: warning, when: '> 1' }], noData: { after: 3h, severity: warning } }
`,
      'rules.yaml',
    ).rules;
    expect(new RuleBook(rules).noDataTenants()).toEqual(new Map([['1h', new Set(['globex'])]]));
    expect(book.noDataTenants()).toEqual(new Map());
  });
});
