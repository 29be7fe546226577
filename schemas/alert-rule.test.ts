import { describeInput, parseRuleDocument, ruleFromDefinition, RuleDocumentError, seriesMatcher } from './alert-rule';

const document = `
tenant: acme
rules:
  - id: boiler-hot
    description: the boilers run hot
    series: ['/acme/plant1/*/temperature']
    reads: 1m mean
    severities:
      - { severity: warning, when: '> 80', for: 5m }
      - { severity: critical, when: '>= 90', for: 1m }
    clear: { when: '< 75', for: 10m }
    keepFiringFor: 15m
    noData: { after: 10m, severity: warning }
    labels: { team: heating }
  - id: meter-stuck
    series: ['/acme/**/energy']
    severities: [{ severity: info, when: '== 0' }]
`;

function problems(text: string): string[] {
  try {
    parseRuleDocument(text, 'rules.yaml');
  } catch (error) {
    if (error instanceof RuleDocumentError) return error.problems;
    throw error;
  }
  throw new Error('parsed');
}

describe('alert rule documents', () => {
  it('read a tenant\'s rules from YAML, durations in ms, thresholds parsed, defaults filled', () => {
    const parsed = parseRuleDocument(document, 'rules.yaml');
    expect(parsed.tenant).toBe('acme');
    expect([...parsed.definitions.keys()]).toEqual(['boiler-hot', 'meter-stuck']);
    const [hot, stuck] = parsed.rules;
    expect(hot).toEqual({
      tenant: 'acme',
      id: 'boiler-hot',
      description: 'the boilers run hot',
      series: ['/acme/plant1/*/temperature'],
      deviceTags: {},
      reads: { kind: 'rollup', resolution: '1m', field: 'mean' },
      severities: [
        { severity: 'warning', when: { op: '>', value: 80 }, forMs: 300_000 },
        { severity: 'critical', when: { op: '>=', value: 90 }, forMs: 60_000 },
      ],
      clear: { when: { op: '<', value: 75 }, forMs: 600_000 },
      keepFiringForMs: 900_000,
      noData: { afterMs: 600_000, severity: 'warning' },
      labels: { team: 'heating' },
    });
    expect(stuck).toMatchObject({ reads: { kind: 'raw' }, severities: [{ forMs: 0 }], clear: { when: null, forMs: 0 }, keepFiringForMs: 0, noData: null });
    expect(describeInput(hot!.reads)).toBe('1m mean');
    expect(seriesMatcher(hot!)('/acme/plant1/b7/temperature')).toBe(true);
    expect(seriesMatcher(stuck!)('/acme/plant1/b7/temperature')).toBe(false);
  });

  it('read the same document as JSON', () => {
    const json = JSON.stringify({ tenant: 'acme', rules: [{ id: 'r', series: ['/acme/**'], severities: [{ severity: 'warning', when: '> 1', for: '30s' }] }] });
    expect(parseRuleDocument(json, 'rules.json').rules[0]!.severities[0]!.forMs).toBe(30_000);
  });

  it('name every problem with where it is and how to write it instead', () => {
    const bad = `
tenant: acme
rules:
  - id: a
    series: ['/beta/*/x', 'acme/x']
    reads: 1m median
    severities: [{ severity: w, when: '80', for: 5 minutes }, { severity: w, when: '> 90' }]
    colour: red
  - id: a
    series: ['/acme/x']
    severities: []
`;
    const found = problems(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\.0\.series\.1: path pattern "acme\/x" must start with \//),
        expect.stringMatching(/^rules\.0\.reads: .*field must be one of mean, sum/),
        expect.stringMatching(/^rules\.0\.severities\.0\.when: "80" is no threshold: .*'> 80'/),
        expect.stringMatching(/^rules\.0\.severities\.0\.for: "5 minutes" is not a duration/),
        expect.stringMatching(/^rules\.0: Unrecognized key: "colour"/),
        expect.stringMatching(/^rules\.1\.severities: .*>=1/),
      ]),
    );
    expect(problems('tenant: acme\nrules: [{id: a, series: [/acme/x], severities: [{severity: w, when: "> 1"}]}, {id: a, series: [/acme/y], severities: [{severity: w, when: "> 1"}]}]')).toEqual([
      'rules: rule id a is used twice in the tenant',
    ]);
    expect(problems('tenant: acme\nrules: [{id: a, series: [/beta/x], severities: [{severity: w, when: "> 1"}, {severity: w, when: "> 2"}]}]')).toEqual([
      'rules.0.severities: severity w is named twice: each step of the ladder needs its own name',
      'rules.0.series.0: pattern "/beta/x" lies outside tenant acme: start it with /acme/',
    ]);
    expect(problems('tenant: [')[0]).toMatch(/^not YAML or JSON/);
  });

  it('read one rule of a tenant, refusing patterns outside it', () => {
    expect(ruleFromDefinition('acme', { id: 'one', series: ['/acme/**'], severities: [{ severity: 'w', when: '> 1', for: '1m' }] })).toMatchObject({ tenant: 'acme', id: 'one', severities: [{ forMs: 60_000 }] });
    expect(() => ruleFromDefinition('acme', { id: 'one', series: ['/beta/**'], severities: [{ severity: 'w', when: '> 1' }] })).toThrow('rule acme/one: series: pattern "/beta/**" lies outside tenant acme');
    expect(() => ruleFromDefinition('acme', { id: 'one', series: ['/acme/**'], severities: [] })).toThrow(/^rule acme\/one: severities: /);
  });
});
