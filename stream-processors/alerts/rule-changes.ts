/**
 * What `fleetstream alerts apply` changes: the rules of every tenant named in
 * the applied documents become exactly those documents' rules (created,
 * updated when their definition differs, deleted when no longer written);
 * tenants the documents do not name keep theirs (lib/tenant-documents.ts). Pure.
 */
import { canonicalJson, planDocumentChanges, type StoredDefinition } from '../../lib/tenant-documents';
import type { RuleDefinition, RuleDocument } from '../../schemas/alert-rule';

export type StoredRule = StoredDefinition;

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
  const documents = applied.map(({ source, document }) => ({ source, tenant: document.tenant, definitions: document.definitions }));
  return planDocumentChanges(stored, documents, 'rule').filter((c): c is RuleChange => c.change !== 'unchanged');
}

/** `<tenant>/<rule id>`: how rules are named in output, metrics and the state changelog. */
export function ruleKey(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

export function describeRuleChange(change: RuleChange): string {
  return `${change.change} ${ruleKey(change.tenant, change.id)}${change.change === 'deleted' ? '' : ` (${change.source})`}`;
}

export { canonicalJson };
