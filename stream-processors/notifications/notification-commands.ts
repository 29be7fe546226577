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

export interface GroupRow {
  tenant: string;
  groupKey: string;
  receiver: string;
  startedAt: string;
  nextFlushAt: string;
  flushes: number;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The aggregation groups as the leader last left them, oldest first. */
export async function listGroups(pool: Pool, schema: string, tenant?: string): Promise<GroupRow[]> {
  const { groups } = notificationTableNames(schema);
  return (
    await pool.query<GroupRow>(
      `select tenant, group_key as "groupKey", receiver, ${iso('started_at')} as "startedAt", ${iso('next_flush_at')} as "nextFlushAt", flush_seq::float8 as flushes
       from ${groups} where $1::text is null or tenant = $1 order by started_at, tenant, group_key`,
      [tenant ?? null],
    )
  ).rows;
}
