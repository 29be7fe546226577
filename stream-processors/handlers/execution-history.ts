/**
 * The handler workers' executions as people read them back, kept in
 * PostgreSQL until HANDLERS_RETENTION after they finished: the statements
 * of `fleetstream handlers executions|execution` (bin/handler-commands.ts,
 * times as ISO text) and of the query API's /v1/handler-executions (epoch
 * ms). A target's credentials (a webhook's inline secret, an Authorization
 * header) are never shown.
 */
import { handlerOriginKinds, type HandlerOriginKind, type HandlerState } from '../../schemas/types';
import { handlerTableNames } from '../../schemas/tables';

export interface ExecutionFilter {
  tenant?: string;
  originKind?: HandlerOriginKind;
  originId?: string;
  state?: HandlerState;
  /** Requested before this (paging back), ISO text; none: every one. */
  before?: string;
  limit: number;
}

/** `automation/<id>`, `notification/<id>` or `api/<id>` as a filter's origin; undefined for anything else. */
export function parseExecutionOrigin(text: string): { kind: HandlerOriginKind; id: string } | undefined {
  const slash = text.indexOf('/');
  const kind = text.slice(0, Math.max(slash, 0));
  if (!(handlerOriginKinds as readonly string[]).includes(kind) || slash === text.length - 1) return undefined;
  return { kind: kind as HandlerOriginKind, id: text.slice(slash + 1) };
}

export interface ExecutionRow<Time> {
  executionId: string;
  tenant: string;
  handler: string;
  originKind: HandlerOriginKind;
  originId: string;
  trigger: string;
  state: HandlerState;
  attempts: number;
  detail: string | null;
  requestedAt: Time;
  nextAttemptAt: Time | null;
  finishedAt: Time | null;
}

export interface ExecutionDetail<Time> extends ExecutionRow<Time> {
  target: unknown;
  payload: string;
  firedAt: Time;
  deadlineAt: Time | null;
  receiver: string;
  /** The command or shadow request whose answer finishes it, if it awaits one. */
  awaitedId: string | null;
  updatedAt: Time;
}

export interface ExecutionStatements {
  /** Executions, newest request first; values from `listValues`. */
  list: string;
  listValues(filter: ExecutionFilter): unknown[];
  /** One execution by id (one value); redact its target with `redactCredentials`. */
  find: string;
}

/** The statements over the executions in `schema`, each time column written by `time` (SQL of the column). */
export function executionStatements(schema: string, time: (column: string) => string): ExecutionStatements {
  const { executions } = handlerTableNames(schema);
  const rowColumns = `execution_id as "executionId", tenant, handler, origin_kind as "originKind", origin_id as "originId", trigger, state, attempts, detail,
    ${time('requested_at')} as "requestedAt", ${time('next_attempt_at')} as "nextAttemptAt", ${time('finished_at')} as "finishedAt"`;
  return {
    list: `select ${rowColumns} from ${executions}
      where ($1::text is null or tenant = $1) and ($2::text is null or origin_kind = $2) and ($3::text is null or origin_id = $3) and ($4::text is null or state = $4)
        and requested_at < $5::timestamptz
      order by requested_at desc, execution_id limit $6`,
    listValues: (f) => [f.tenant ?? null, f.originKind ?? null, f.originId ?? null, f.state ?? null, f.before ?? 'infinity', f.limit],
    find: `select ${rowColumns}, target, payload, ${time('fired_at')} as "firedAt", ${time('deadline_at')} as "deadlineAt", receiver, command_id as "awaitedId", ${time('updated_at')} as "updatedAt"
      from ${executions} where execution_id = $1`,
  };
}

/** SQL of a timestamptz column as ISO text in UTC, to the millisecond. */
export function isoTime(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export function executionNotFound(executionId: string): string {
  return `no execution ${executionId}: never requested, or finished longer ago than HANDLERS_RETENTION`;
}

const credentialKey = /secret|password|token|authorization|api[-_]?key/i;

/** `value` with every field whose name says it holds a credential replaced by `***`, at any depth (a `secretRef` names a secret, and is kept). */
export function redactCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactCredentials);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, credentialKey.test(key) && key !== 'secretRef' && typeof v !== 'object' ? '***' : redactCredentials(v)]));
}
