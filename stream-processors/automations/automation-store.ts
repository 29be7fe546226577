/**
 * The automations in PostgreSQL (`automations`, in the registry's schema):
 * written by `fleetstream automations apply <files>` and the admin API, read
 * by the automations processor.
 */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { applyTenantDocuments, readDocumentFiles, type DocumentChange } from '../../lib/tenant-documents';
import { automationFromDefinition, AutomationDocumentError, automationKey, parseAutomationDocument, type Automation, type AutomationDefinition, type AutomationDocument } from '../../schemas/automation';
import { automationTableNames } from '../../schemas/tables';

export type AutomationChange = DocumentChange<AutomationDefinition>;

/** Every automation document of the files and directories given; throws naming every problem of every file. */
export async function readAutomationFiles(paths: readonly string[]): Promise<{ source: string; document: AutomationDocument }[]> {
  return readDocumentFiles(paths, parseAutomationDocument, 'automations apply');
}

/** Makes the stored automations of the documents' tenants those of the documents, in one transaction; returns every change, unchanged ones included. */
export async function applyAutomationDocuments(pool: Pool, schema: string, documents: readonly { source: string; document: AutomationDocument }[]): Promise<AutomationChange[]> {
  const target = { table: automationTableNames(schema).automations, lock: `fleetstream.automations.${schema}`, what: 'automation', command: 'automations apply' };
  return applyTenantDocuments(pool, target, documents.map(({ source, document }) => ({ source, tenant: document.tenant, definitions: document.definitions })));
}

export function describeAutomationChange(change: AutomationChange): string {
  const key = automationKey(change.tenant, change.id);
  return change.change === 'deleted' ? `removed ${key}` : `${change.change} ${key} (${change.source})`;
}

export interface LoadedAutomation extends Automation {
  /** when its definition last changed, epoch ms */
  updatedAt: number;
}

export interface LoadedAutomations {
  automations: LoadedAutomation[];
  /** stored automations that no longer validate (a newer fleetstream's), left out */
  unreadable: { automation: string; problems: string[] }[];
}

interface StoredRow {
  tenant: string;
  id: string;
  definition: unknown;
  revision: number;
  updated_at: Date;
}

/** Every tenant's automations. */
export async function loadAutomations(pool: Pool, schema: string): Promise<LoadedAutomations> {
  const table = automationTableNames(schema).automations;
  let rows: StoredRow[];
  try {
    rows = (await pool.query<StoredRow>(`select tenant, id, definition, revision::float8 as revision, updated_at from ${table} order by tenant, id`)).rows;
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') throw new FleetstreamError('DATABASE_REJECTED', `reading automations failed: schema "${schema}" has no automations table; run \`fleetstream migrate\``, { cause: error });
    throw databaseError(error, 'reading automations');
  }
  const loaded: LoadedAutomations = { automations: [], unreadable: [] };
  for (const row of rows) {
    try {
      loaded.automations.push({ ...automationFromDefinition(row.tenant, row.definition, row.revision), updatedAt: row.updated_at.getTime() });
    } catch (error) {
      if (!(error instanceof AutomationDocumentError)) throw error;
      loaded.unreadable.push({ automation: automationKey(row.tenant, row.id), problems: error.problems });
    }
  }
  return loaded;
}
