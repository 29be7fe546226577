/**
 * What `fleetstream alerts apply` changes: the rules of every tenant named in
 * the applied documents become exactly those documents' rules (created,
 * updated when their definition differs, deleted when no longer written);
 * tenants the documents do not name keep theirs. Pure.
 */
import type { RuleDefinition, RuleDocument } from '../../schemas/alert-rule';

export interface StoredRule {
  tenant: string;
  id: string;
  definition: unknown;
}

export type RuleChange =
  | { change: 'created'; tenant: string; id: string; definition: RuleDefinition; source: string }
  | { change: 'updated'; tenant: string; id: string; definition: RuleDefinition; source: string }
  | { change: 'deleted'; tenant: string; id: string };

/** Documents with their file names, as read from the directory. */
export interface AppliedDocument {
  source: string;
  document: RuleDocument;
}

export function planRuleChanges(stored: readonly StoredRule[], applied: readonly AppliedDocument[]): RuleChange[] {
  const wanted = new Map<string, { tenant: string; id: string; definition: RuleDefinition; source: string }>();
  for (const { source, document } of applied) {
    for (const [id, definition] of document.definitions) {
      const key = ruleKey(document.tenant, id);
      const earlier = wanted.get(key);
      if (earlier) throw new Error(`rule ${key} is written twice, in ${earlier.source} and in ${source}: keep one`);
      wanted.set(key, { tenant: document.tenant, id, definition, source });
    }
  }
  const tenants = new Set(applied.map((a) => a.document.tenant));
  const have = new Map(stored.filter((s) => tenants.has(s.tenant)).map((s) => [ruleKey(s.tenant, s.id), s]));
  const changes: RuleChange[] = [];
  for (const [key, rule] of wanted) {
    const current = have.get(key);
    if (!current) changes.push({ change: 'created', ...rule });
    else if (canonicalJson(current.definition) !== canonicalJson(rule.definition)) changes.push({ change: 'updated', ...rule });
  }
  for (const [key, rule] of have) if (!wanted.has(key)) changes.push({ change: 'deleted', tenant: rule.tenant, id: rule.id });
  return changes.sort((a, b) => ruleKey(a.tenant, a.id).localeCompare(ruleKey(b.tenant, b.id)));
}

/** `<tenant>/<rule id>`: how rules are named in output, metrics and the state changelog. */
export function ruleKey(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

export function describeRuleChange(change: RuleChange): string {
  return `${change.change} ${ruleKey(change.tenant, change.id)}${change.change === 'deleted' ? '' : ` (${change.source})`}`;
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
