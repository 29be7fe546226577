/**
 * What people add to an alarm, authorized for the caller (caller.ts):
 * acknowledgement, assignee and comments, kept in `alarm_notes` apart from
 * the alarm's state (the alerts processor's), so no transition wipes them.
 * An alarm is known by its events in the history (`alert_events`).
 */
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import type { Registry } from '../../registry';
import { alarmNotesTable, alertEventsTable, qualified } from '../../schemas/tables';
import { authorize, type Caller } from './caller';

export interface AlarmComment {
  at: string;
  by: string;
  text: string;
}

export interface AlarmNotes {
  alarmId: string;
  tenant: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  assignee: string | null;
  comments: AlarmComment[];
}

export interface AlarmNoteOperations {
  /** ALERT_NOT_FOUND when the tenant's history has no such alarm. */
  get(caller: Caller, tenant: string, alarmId: string): Promise<AlarmNotes>;
  acknowledge(caller: Caller, tenant: string, alarmId: string): Promise<AlarmNotes>;
  assign(caller: Caller, tenant: string, alarmId: string, assignee: string | null): Promise<AlarmNotes>;
  comment(caller: Caller, tenant: string, alarmId: string, text: string): Promise<AlarmNotes>;
}

export function alarmNoteOperations(registry: Registry): AlarmNoteOperations {
  const notes = qualified(registry.schema, alarmNotesTable);
  const events = qualified(registry.schema, alertEventsTable);
  const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const columns = `alarm_id as "alarmId", tenant, ${iso('acknowledged_at')} as "acknowledgedAt", acknowledged_by as "acknowledgedBy", assignee, comments`;
  const query = async (text: string, values: unknown[], doing: string) => {
    try {
      return (await registry.pool.query<AlarmNotes>(text, values)).rows;
    } catch (error) {
      throw databaseError(error, doing);
    }
  };
  const requireAlarm = async (tenant: string, alarmId: string) => {
    const found = await query(`select 1 from ${events} where alarm_id = $1 and tenant = $2 limit 1`, [alarmId, tenant], 'reading an alarm');
    if (found.length === 0) throw new FleetstreamError('ALERT_NOT_FOUND', `tenant ${tenant} has no alarm ${alarmId} in its alert history (GET /v1/alerts lists them)`);
  };
  const empty = (tenant: string, alarmId: string): AlarmNotes => ({ alarmId, tenant, acknowledgedAt: null, acknowledgedBy: null, assignee: null, comments: [] });
  /** Inserts the alarm's row if missing, then applies `set` (SQL assignments over $3, $4). */
  const change = async (caller: Caller, tenant: string, alarmId: string, set: string, values: unknown[], doing: string) => {
    authorize(caller, 'admin', tenant);
    await requireAlarm(tenant, alarmId);
    const [row] = await query(
      `insert into ${notes} (alarm_id, tenant) values ($1, $2) on conflict (alarm_id) do nothing`,
      [alarmId, tenant],
      doing,
    ).then(() => query(`update ${notes} set ${set}, updated_at = now() where alarm_id = $1 and tenant = $2 returning ${columns}`, [alarmId, tenant, ...values], doing));
    return row!;
  };
  return {
    async get(caller, tenant, alarmId) {
      authorize(caller, 'read', tenant);
      await requireAlarm(tenant, alarmId);
      const [row] = await query(`select ${columns} from ${notes} where alarm_id = $1 and tenant = $2`, [alarmId, tenant], 'reading alarm notes');
      return row ?? empty(tenant, alarmId);
    },
    // the first acknowledgement stands: acknowledging again changes nothing
    acknowledge: (caller, tenant, alarmId) => change(caller, tenant, alarmId, 'acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, $3)', [caller.tokenId], 'acknowledging an alarm'),
    assign: (caller, tenant, alarmId, assignee) => change(caller, tenant, alarmId, 'assignee = $3', [assignee], 'assigning an alarm'),
    comment: (caller, tenant, alarmId, text) =>
      change(caller, tenant, alarmId, `comments = comments || jsonb_build_array(jsonb_build_object('at', ${iso('now()')}, 'by', $3::text, 'text', $4::text))`, [caller.tokenId, text], 'commenting on an alarm'),
  };
}
