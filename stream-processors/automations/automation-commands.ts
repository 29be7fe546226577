/** What `fleetstream automations` (bin/automations-commands.ts) uses of the automations component. */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { storedDocumentColumns, type StoredTenantDocument } from '../../lib/tenant-documents';
import { automationTableNames } from '../../schemas/tables';

export { applyAutomationDocuments, describeAutomationChange, readAutomationFiles } from './automation-store';

export type AutomationRow = StoredTenantDocument;

export interface RunRow {
  trigger: string;
  kind: 'schedule' | 'event';
  revision: number;
  firedAt: string;
  missedSlots: number;
  executionIds: string[];
  recordedAt: string;
  dispatchedAt: string | null;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const automationColumns = storedDocumentColumns;

/** The columns of a run as the CLI shows it. */
const runColumns = `trigger, kind, revision::float8 as revision, ${iso('fired_at')} as "firedAt", missed_slots as "missedSlots", execution_ids as "executionIds", ${iso('recorded_at')} as "recordedAt", ${iso('dispatched_at')} as "dispatchedAt"`;

export async function listAutomations(pool: Pool, schema: string, tenant?: string): Promise<AutomationRow[]> {
  const { automations } = automationTableNames(schema);
  return (await pool.query<AutomationRow>(`select ${automationColumns} from ${automations} where $1::text is null or tenant = $1 order by tenant, id`, [tenant ?? null])).rows;
}

/** The automation `id` (`<tenant>/<id>`, or an id only one tenant has); AUTOMATION_NOT_FOUND otherwise. */
export async function findAutomation(pool: Pool, schema: string, name: string): Promise<AutomationRow> {
  const slash = name.indexOf('/');
  const [tenant, id] = slash > 0 ? [name.slice(0, slash), name.slice(slash + 1)] : [null, name];
  const { automations } = automationTableNames(schema);
  const rows = (await pool.query<AutomationRow>(`select ${automationColumns} from ${automations} where id = $1 and ($2::text is null or tenant = $2) order by tenant`, [id, tenant])).rows;
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) throw new FleetstreamError('AUTOMATION_NOT_FOUND', `no automation ${name}; \`fleetstream automations list\` shows them`);
  throw new FleetstreamError('AUTOMATION_NOT_FOUND', `automation ${id} is in tenants ${rows.map((r) => r.tenant).join(', ')}: name it as <tenant>/${id}`);
}

/** An automation's runs, newest first. */
export async function listRuns(pool: Pool, schema: string, tenant: string, id: string, limit = 100): Promise<RunRow[]> {
  const { runs } = automationTableNames(schema);
  return (await pool.query<RunRow>(`select ${runColumns} from ${runs} where tenant = $1 and automation_id = $2 order by fired_at desc, trigger desc limit $3`, [tenant, id, limit])).rows;
}
