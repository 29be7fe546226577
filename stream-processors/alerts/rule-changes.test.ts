import { parseRuleDocument } from '../../schemas/alert-rule';
import { canonicalJson, describeRuleChange, planRuleChanges } from './rule-changes';

const doc = (tenant: string, rules: Record<string, string>) =>
  parseRuleDocument(JSON.stringify({ tenant, rules: Object.entries(rules).map(([id, when]) => ({ id, series: [`/${tenant}/**`], severities: [{ severity: 'warning', when }] })) }), `${tenant}.json`);

describe('planning alerts apply', () => {
  it('creates new rules, updates changed ones, deletes the ones no longer written, and leaves unnamed tenants alone', () => {
    const stored = [
      { tenant: 'acme', id: 'same', definition: JSON.parse(JSON.stringify({ severities: [{ when: '> 1', severity: 'warning' }], series: ['/acme/**'], id: 'same' })) },
      { tenant: 'acme', id: 'changed', definition: { id: 'changed', series: ['/acme/**'], severities: [{ severity: 'warning', when: '> 1' }] } },
      { tenant: 'acme', id: 'gone', definition: {} },
      { tenant: 'beta', id: 'other', definition: {} },
    ];
    const changes = planRuleChanges(stored, [{ source: 'acme.yaml', document: doc('acme', { same: '> 1', changed: '> 2', fresh: '< 0' }) }]);
    expect(changes.map(describeRuleChange)).toEqual(['updated acme/changed (acme.yaml)', 'created acme/fresh (acme.yaml)', 'deleted acme/gone']);
    expect(planRuleChanges(stored.slice(0, 1), [{ source: 'acme.yaml', document: doc('acme', { same: '> 1' }) }])).toEqual([]);
  });

  it('refuses a rule written in two files', () => {
    expect(() => planRuleChanges([], [{ source: 'a.yaml', document: doc('acme', { x: '> 1' }) }, { source: 'b.yaml', document: doc('acme', { x: '> 2' }) }])).toThrow('rule acme/x is written twice, in a.yaml and in b.yaml');
  });

  it('compares JSON whatever the order of its keys', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: null }], a: 'x' })).toBe(canonicalJson({ a: 'x', b: [1, { c: null, d: 1 }] }));
  });
});
