/**
 * What `fleetstream handlers executions` and `fleetstream handlers execution`
 * (bin/handler-commands.ts) read: the handler workers' executions, kept in
 * PostgreSQL until HANDLERS_RETENTION after they finished. A target's
 * credentials (a webhook's inline secret, an Authorization header) are
 * never shown.
 */
import type { Pool } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { handlerTableNames } from '../../schemas/tables';

import type { HandlerOriginKind, HandlerState } from '../../schemas/types';

export interface ExecutionFilter {
  tenant?: string;
  originKind?: HandlerOriginKind;
  originId?: string;
  state?: HandlerState;
  limit: number;
}

export interface ExecutionRow {
  executionId: string;
  tenant: string;
  handler: string;
  originKind: HandlerOriginKind;
  originId: string;
  trigger: string;
  state: HandlerState;
  attempts: number;
  detail: string | null;
  requestedAt: string;
  nextAttemptAt: string | null;
  finishedAt: string | null;
}

export interface ExecutionDetail extends ExecutionRow {
  target: unknown;
  payload: string;
  firedAt: string;
  deadlineAt: string | null;
  receiver: string;
  commandId: string | null;
  updatedAt: string;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const rowColumns = `execution_id as "executionId", tenant, handler, origin_kind as "originKind", origin_id as "originId", trigger, state, attempts, detail,
  ${iso('requested_at')} as "requestedAt", ${iso('next_attempt_at')} as "nextAttemptAt", ${iso('finished_at')} as "finishedAt"`;
const detailColumns = `${rowColumns}, target, payload, ${iso('fired_at')} as "firedAt", ${iso('deadline_at')} as "deadlineAt", receiver, command_id as "commandId", ${iso('updated_at')} as "updatedAt"`;

/** Executions, newest request first. */
export async function listExecutions(pool: Pool, schema: string, filter: ExecutionFilter): Promise<ExecutionRow[]> {
  const { executions } = handlerTableNames(schema);
  const { rows } = await pool.query<ExecutionRow>(
    `select ${rowColumns} from ${executions}
      where ($1::text is null or tenant = $1) and ($2::text is null or origin_kind = $2) and ($3::text is null or origin_id = $3) and ($4::text is null or state = $4)
      order by requested_at desc, execution_id limit $5`,
    [filter.tenant ?? null, filter.originKind ?? null, filter.originId ?? null, filter.state ?? null, filter.limit],
  );
  return rows;
}

/** One execution, its target's credentials redacted; EXECUTION_NOT_FOUND when there is none of that id. */
export async function findExecution(pool: Pool, schema: string, executionId: string): Promise<ExecutionDetail> {
  const { executions } = handlerTableNames(schema);
  const { rows } = await pool.query<ExecutionDetail>(`select ${detailColumns} from ${executions} where execution_id = $1`, [executionId]);
  const row = rows[0];
  if (!row) throw new FleetstreamError('EXECUTION_NOT_FOUND', `no execution ${executionId}: never requested, or finished longer ago than HANDLERS_RETENTION; \`fleetstream handlers executions\` lists them`);
  return { ...row, target: redactCredentials(row.target) };
}

const credentialKey = /secret|password|token|authorization|api[-_]?key/i;

/** `value` with every field whose name says it holds a credential replaced by `***`, at any depth (a `secretRef` names a secret, and is kept). */
export function redactCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactCredentials);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, credentialKey.test(key) && key !== 'secretRef' && typeof v !== 'object' ? '***' : redactCredentials(v)]));
}
