/**
 * The alert rules in PostgreSQL (`alert_rules`, in the registry's schema):
 * written by `fleetstream alerts apply <dir>` from the documents in a
 * directory, read by the alerts processor.
 */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { applyTenantDocuments, readDocumentFiles } from '../../lib/tenant-documents';
import { alertRulesTable, qualified } from '../../schemas/tables';
import { parseRuleDocument, ruleFromDefinition, RuleDocumentError, type AlertRule } from '../../schemas/alert-rule';
import { type AppliedDocument, type RuleChange, type StoredRule } from './rule-changes';

/** Every rule document in `dir` (not its subdirectories); throws naming every problem of every file, or a directory without documents. */
export async function readRuleDirectory(dir: string): Promise<AppliedDocument[]> {
  return readDocumentFiles([dir], parseRuleDocument, 'alerts apply');
}

/** Makes the stored rules of the documents' tenants those of the documents, in one transaction; returns what changed. */
export async function applyRuleDocuments(pool: Pool, schema: string, documents: readonly AppliedDocument[]): Promise<RuleChange[]> {
  const target = { table: qualified(schema, alertRulesTable), lock: `fleetstream.alert-rules.${schema}`, what: 'rule', command: 'alerts apply' };
  const changes = await applyTenantDocuments(pool, target, documents.map(({ source, document }) => ({ source, tenant: document.tenant, definitions: document.definitions })));
  return changes.filter((c): c is RuleChange => c.change !== 'unchanged');
}

export interface LoadedRules {
  rules: AlertRule[];
  /** stored rules that no longer validate (a newer fleetstream's), left out */
  unreadable: { rule: string; problems: string[] }[];
}

/** Every tenant's rules. */
export async function loadRules(pool: Pool, schema: string): Promise<LoadedRules> {
  let rows: StoredRule[];
  try {
    rows = (await pool.query<StoredRule>(`select tenant, id, definition from ${qualified(schema, alertRulesTable)} order by tenant, id`)).rows;
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') {
      throw new FleetstreamError('DATABASE_REJECTED', `reading alert rules failed: schema "${schema}" has no ${alertRulesTable} table; run \`fleetstream migrate\``, { cause: error });
    }
    throw databaseError(error, 'reading alert rules');
  }
  const loaded: LoadedRules = { rules: [], unreadable: [] };
  for (const row of rows) {
    try {
      loaded.rules.push(ruleFromDefinition(row.tenant, row.definition));
    } catch (error) {
      if (!(error instanceof RuleDocumentError)) throw error;
      loaded.unreadable.push({ rule: `${row.tenant}/${row.id}`, problems: error.problems });
    }
  }
  return loaded;
}
