/**
 * The notification policies in PostgreSQL (`notification_policies`, in the
 * registry's schema): written by `fleetstream notifications apply <files>`,
 * read by the notifications processor. One stored definition per tenant.
 */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { applyTenantDocuments, readDocumentFiles, type DocumentChange } from '../../lib/tenant-documents';
import { parsePolicyDocument, policyFromDefinition, PolicyDocumentError, type NotificationPolicy, type PolicyDefinition, type PolicyDocument } from '../../schemas/notification-policy';
import { notificationTableNames } from '../../schemas/tables';

export type PolicyChange = DocumentChange<PolicyDefinition>;

/** Every policy document of the files and directories given; throws naming every problem of every file. */
export function readPolicyFiles(paths: readonly string[]): Promise<{ source: string; document: PolicyDocument }[]> {
  return readDocumentFiles(paths, parsePolicyDocument, 'notifications apply');
}

/** Makes the stored policies of the documents' tenants those of the documents, in one transaction; returns every change. */
export function applyPolicyDocuments(pool: Pool, schema: string, documents: readonly { source: string; document: PolicyDocument }[]): Promise<PolicyChange[]> {
  const target = { table: notificationTableNames(schema).policies, lock: `fleetstream.notifications.${schema}`, what: 'notification policy', command: 'notifications apply' };
  return applyTenantDocuments(pool, target, documents.map(({ source, document }) => ({ source, tenant: document.tenant, definitions: document.definitions })));
}

export function describePolicyChange(change: PolicyChange): string {
  return change.change === 'deleted' ? `removed ${change.tenant}` : `${change.change} ${change.tenant} (${change.source})`;
}

export interface LoadedPolicies {
  policies: Map<string, NotificationPolicy>;
  /** stored policies that no longer validate (a newer fleetstream's), left out */
  unreadable: { tenant: string; problems: string[] }[];
}

/** Every tenant's policy. */
export async function loadPolicies(pool: Pool, schema: string): Promise<LoadedPolicies> {
  const table = notificationTableNames(schema).policies;
  let rows: { tenant: string; definition: unknown; revision: number }[];
  try {
    rows = (await pool.query<{ tenant: string; definition: unknown; revision: number }>(`select tenant, definition, revision::float8 as revision from ${table} order by tenant`)).rows;
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') throw new FleetstreamError('DATABASE_REJECTED', `reading notification policies failed: schema "${schema}" has no notification_policies table; run \`fleetstream migrate\``, { cause: error });
    throw databaseError(error, 'reading notification policies');
  }
  const loaded: LoadedPolicies = { policies: new Map(), unreadable: [] };
  for (const row of rows) {
    try {
      loaded.policies.set(row.tenant, policyFromDefinition(row.tenant, row.definition, row.revision));
    } catch (error) {
      if (!(error instanceof PolicyDocumentError)) throw error;
      loaded.unreadable.push({ tenant: row.tenant, problems: error.problems });
    }
  }
  return loaded;
}
