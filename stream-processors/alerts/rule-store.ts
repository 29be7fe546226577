/**
 * The alert rules in PostgreSQL (`alert_rules`, in the registry's schema):
 * written by `fleetstream alerts apply <dir>` from the documents in a
 * directory, read by the alerts processor.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { inTransaction } from '../../lib/pg-transaction';
import { alertRulesTable, qualified } from '../../schemas/tables';
import { parseRuleDocument, ruleFromDefinition, RuleDocumentError, type AlertRule } from '../../schemas/alert-rule';
import { planRuleChanges, type AppliedDocument, type RuleChange, type StoredRule } from './rule-changes';

const documentExtensions = ['.yaml', '.yml', '.json'];

/** Every rule document in `dir` (not its subdirectories); throws naming every problem of every file, or a directory without documents. */
export async function readRuleDirectory(dir: string): Promise<AppliedDocument[]> {
  const files = (await readdir(dir)).filter((f) => documentExtensions.some((e) => f.endsWith(e))).sort();
  if (files.length === 0) throw new FleetstreamError('CONFIG_INVALID', `alerts apply: ${dir} holds no rule documents (${documentExtensions.join(', ')})`);
  const documents: AppliedDocument[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      documents.push({ source: file, document: parseRuleDocument(await readFile(join(dir, file), 'utf8'), file) });
    } catch (error) {
      if (!(error instanceof RuleDocumentError)) throw error;
      problems.push(...error.problems.map((p) => `${file}: ${p}`));
    }
  }
  if (problems.length > 0) throw new FleetstreamError('CONFIG_INVALID', `alerts apply: nothing applied, the documents have problems:\n  ${problems.join('\n  ')}`);
  return documents;
}

/** Makes the stored rules of the documents' tenants those of the documents, in one transaction; returns what changed. */
export async function applyRuleDocuments(pool: Pool, schema: string, documents: readonly AppliedDocument[]): Promise<RuleChange[]> {
  const table = qualified(schema, alertRulesTable);
  return inTransaction(pool, 'applying alert rules', async (client) => {
    // one apply at a time: two racing would both plan against what they read
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`fleetstream.alert-rules.${schema}`]);
    const tenants = [...new Set(documents.map((d) => d.document.tenant))];
    const stored = (await client.query<StoredRule>(`select tenant, id, definition from ${table} where tenant = any($1)`, [tenants])).rows;
    let changes: RuleChange[];
    try {
      changes = planRuleChanges(stored, documents);
    } catch (error) {
      throw new FleetstreamError('CONFIG_INVALID', `alerts apply: ${(error as Error).message}`);
    }
    for (const change of changes) {
      if (change.change === 'created') {
        await client.query(`insert into ${table} (tenant, id, definition, source) values ($1, $2, $3, $4)`, [change.tenant, change.id, JSON.stringify(change.definition), change.source]);
      } else if (change.change === 'updated') {
        await client.query(`update ${table} set definition = $3, source = $4, revision = revision + 1, updated_at = now() where tenant = $1 and id = $2`, [change.tenant, change.id, JSON.stringify(change.definition), change.source]);
      } else {
        await client.query(`delete from ${table} where tenant = $1 and id = $2`, [change.tenant, change.id]);
      }
    }
    return changes;
  });
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
