/** What `fleetstream notifications` and `fleetstream silences` (bin/notifications-commands.ts) and the admin API use of the notifications component. */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { storedDocumentColumns, type StoredTenantDocument } from '../../lib/tenant-documents';
import { notificationTableNames } from '../../schemas/tables';

export { applyPolicyDocuments, describePolicyChange, readPolicyFiles } from './policy-store';
export { SilenceStore, type NewSilence, type Silence } from '../../schemas/silence-store';

export async function listPolicies(pool: Pool, schema: string): Promise<StoredTenantDocument[]> {
  return (await pool.query<StoredTenantDocument>(`select ${storedDocumentColumns} from ${notificationTableNames(schema).policies} order by tenant`)).rows;
}

/** A tenant's stored policy; POLICY_NOT_FOUND otherwise. */
export async function findPolicy(pool: Pool, schema: string, tenant: string): Promise<StoredTenantDocument> {
  const rows = (await pool.query<StoredTenantDocument>(`select ${storedDocumentColumns} from ${notificationTableNames(schema).policies} where tenant = $1`, [tenant])).rows;
  if (!rows[0]) throw new FleetstreamError('POLICY_NOT_FOUND', `tenant ${tenant} has no notification policy; \`fleetstream notifications apply <files>\` stores one, \`fleetstream notifications list\` shows them`);
  return rows[0];
}
