/**
 * The executions in PostgreSQL (migration `0012_handlers`), written only by
 * the handler workers:
 *
 * - a consumed batch of the request topic: its executions inserted (an
 *   execution id already there is the same execution: nothing changes) with
 *   the partition's next offset, in one commit (lib/offsets-in-database.ts);
 * - an attempt: due executions are claimed by moving their next attempt a
 *   lease ahead (`for update skip locked`: instances never take the same
 *   one), at most `perReceiver` of one receiver under way per instance, then
 *   run, then their change recorded, guarded by the attempt count so a stale
 *   attempt (its lease ended, another took it) records nothing. A crash in
 *   between leaves the execution to be claimed again when its lease ends;
 * - every change writes its HandlerResult into `handler_result_outbox` in the
 *   same statement; the results publisher sends them in order and deletes them.
 */
import type { Pool, PoolClient } from 'pg';
import { writeWithOffset, type ConsumedBatch } from '../../lib/offsets-in-database';
import { inTransaction } from '../../lib/pg-transaction';
import type { HandlerKind } from '../../schemas/handlers';
import { handlerTableNames, type HandlerTables } from '../../schemas/tables';
import type { HandlerResult } from '../../schemas/types';
import type { ExecutionChange } from './execution-step';
import type { NewExecution } from './request-intake';

export interface ClaimedExecution {
  executionId: string;
  tenant: string;
  handler: HandlerKind;
  target: unknown;
  payload: string;
  originId: string;
  trigger: string;
  firedAt: number;
  deadlineAt: number | null;
  receiver: string;
  awaitingUntil: number | null;
  detail: string | null;
  /** Attempts made before this one. */
  attempts: number;
}

/** What finishes an execution awaiting an answer: the awaited id (a command's, a shadow request's), its end and why. */
export interface AwaitedAnswer {
  id: string;
  state: 'SUCCEEDED' | 'FAILED';
  detail: string;
}

export interface QueueStats {
  handler: string;
  due: number;
  /** How long the oldest due execution has been due, in seconds. */
  oldestDueSeconds: number;
}

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint`;

/** The HandlerResult of a row `e` (schemas/avro/handler-result.avsc), as JSON. */
const resultJson = `jsonb_build_object('executionId', e.execution_id, 'tenant', e.tenant, 'handler', e.handler, 'originKind', e.origin_kind, 'originId', e.origin_id,
  'state', e.state, 'attempts', e.attempts, 'detail', e.detail, 'nextAttemptAt', ${ms('e.next_attempt_at')}, 'requestedAt', ${ms('e.requested_at')}, 'updatedAt', ${ms('e.updated_at')})`;

const open = `('RUNNING', 'RETRYING')`;

export class ExecutionStore {
  readonly tables: HandlerTables;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly groupId: string,
  ) {
    this.tables = handlerTableNames(schema);
  }

  /** Inserts the executions `build` makes of the records at or past the stored offset; see writeWithOffset. */
  applyBatch(batch: ConsumedBatch, build: (fromOffset: bigint) => NewExecution[]): Promise<{ written: number; gap?: string }> {
    return writeWithOffset(this.pool, this.tables.consumedOffsets, this.groupId, batch, (client, fromOffset) => this.insert(client, build(fromOffset)));
  }

  private async insert(client: PoolClient, executions: NewExecution[]): Promise<number> {
    if (executions.length === 0) return 0;
    const column = <K extends keyof NewExecution>(key: K) => executions.map((e) => e[key]);
    const { rowCount } = await client.query(
      `with e as (
        insert into ${this.tables.executions} (execution_id, tenant, handler, target, payload, origin_kind, origin_id, trigger, fired_at, requested_at, deadline_at, receiver, command_id, next_attempt_at)
          select id, tenant, handler, target, payload, origin_kind, origin_id, trigger, to_timestamp(fired / 1000.0), to_timestamp(requested / 1000.0),
            to_timestamp(deadline / 1000.0), receiver, command_id, now()
          from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::float8[], $12::text[], $13::text[])
            as r(id, tenant, handler, target, payload, origin_kind, origin_id, trigger, fired, requested, deadline, receiver, command_id)
          on conflict (execution_id) do nothing
          returning *)
      insert into ${this.tables.resultOutbox} (execution_id, result) select e.execution_id, ${resultJson} from e`,
      [
        column('executionId'), column('tenant'), column('handler'), executions.map((e) => JSON.stringify(e.target)), column('payload'), column('originKind'), column('originId'),
        column('trigger'), column('firedAt'), column('requestedAt'), column('deadlineAt'), column('receiver'), column('commandId'),
      ],
    );
    return rowCount ?? 0;
  }

  /**
   * Claims up to `slots` due executions, oldest due first, at most
   * `perReceiver` of one receiver counting `busy` (what this instance has
   * under way per receiver), for `leaseMs`.
   */
  async claimDue(slots: number, perReceiver: number, busy: ReadonlyMap<string, number>, leaseMs: number): Promise<ClaimedExecution[]> {
    if (slots <= 0) return [];
    const t = this.tables.executions;
    const { rows } = await this.pool.query<{
      execution_id: string; tenant: string; handler: HandlerKind; target: unknown; payload: string; origin_id: string; trigger: string; fired_at: string;
      deadline_at: string | null; receiver: string; awaiting_until: string | null; detail: string | null; attempts: number;
    }>(
      `update ${t} e set next_attempt_at = now() + $5 * interval '1 millisecond'
        where e.execution_id in (
          select x.execution_id from ${t} x where x.execution_id in (
            select c.execution_id from (
              select d.execution_id, d.next_attempt_at, row_number() over (partition by d.receiver order by d.next_attempt_at) + coalesce(b.used, 0) as n
                from (select execution_id, receiver, next_attempt_at from ${t}
                  -- receivers at their limit are left out before the scan's limit: a backlog of one cannot fill it
                  where state in ${open} and next_attempt_at <= now() and not (receiver = any($6::text[])) order by next_attempt_at limit $1 * 20) d
                left join unnest($3::text[], $4::int[]) as b(receiver, used) on b.receiver = d.receiver) c
              where c.n <= $2 order by c.next_attempt_at limit $1)
          for update skip locked)
        returning e.execution_id, e.tenant, e.handler, e.target, e.payload, e.origin_id, e.trigger, ${ms('e.fired_at')} as fired_at, ${ms('e.deadline_at')} as deadline_at,
          e.receiver, ${ms('e.awaiting_until')} as awaiting_until, e.detail, e.attempts`,
      [slots, perReceiver, [...busy.keys()], [...busy.values()], leaseMs, [...busy].filter(([, used]) => used >= perReceiver).map(([receiver]) => receiver)],
    );
    return rows.map((row) => ({
      executionId: row.execution_id,
      tenant: row.tenant,
      handler: row.handler,
      target: row.target,
      payload: row.payload,
      originId: row.origin_id,
      trigger: row.trigger,
      firedAt: Number(row.fired_at),
      deadlineAt: row.deadline_at === null ? null : Number(row.deadline_at),
      receiver: row.receiver,
      awaitingUntil: row.awaiting_until === null ? null : Number(row.awaiting_until),
      detail: row.detail,
      attempts: row.attempts,
    }));
  }

  /** Records a change; `attempts`: the count after it. False when the execution had moved on (finished by its answer, or taken by another attempt). */
  async record(executionId: string, attemptsBefore: number, attempts: number, change: ExecutionChange): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `with e as (
        update ${this.tables.executions} set state = $3, attempts = $4, detail = $5, next_attempt_at = to_timestamp($6 / 1000.0), awaiting_until = to_timestamp($7 / 1000.0),
          updated_at = now(), finished_at = case when $3 in ('SUCCEEDED', 'FAILED', 'EXPIRED') then now() end
          where execution_id = $1 and attempts = $2 and state in ${open}
          returning *)
      insert into ${this.tables.resultOutbox} (execution_id, result) select e.execution_id, ${resultJson} from e`,
      [executionId, attemptsBefore, change.state, attempts, change.detail, change.nextAttemptAt, change.awaitingUntil],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Finishes the open executions awaiting these answers (a command's final status, a shadow update's result); returns their ids. */
  async finishAwaited(answers: AwaitedAnswer[]): Promise<string[]> {
    if (answers.length === 0) return [];
    const { rows } = await this.pool.query<{ execution_id: string }>(
      `with e as (
        update ${this.tables.executions} x set state = f.state, detail = f.detail, next_attempt_at = null, awaiting_until = null, updated_at = now(), finished_at = now()
          from unnest($1::text[], $2::text[], $3::text[]) as f(command_id, state, detail)
          where x.command_id = f.command_id and x.state in ${open}
          returning x.*),
      r as (insert into ${this.tables.resultOutbox} (execution_id, result) select e.execution_id, ${resultJson} from e)
      select execution_id from e`,
      [answers.map((a) => a.id), answers.map((a) => a.state), answers.map((a) => a.detail)],
    );
    return rows.map((row) => row.execution_id);
  }

  /** Which of these ids (of commands, of shadow requests) an open execution awaits. */
  async openAwaited(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await this.pool.query<{ command_id: string }>(`select command_id from ${this.tables.executions} where command_id = any($1::text[]) and state in ${open}`, [ids]);
    return new Set(rows.map((row) => row.command_id));
  }

  /**
   * Sends the oldest unsent results with `send` and deletes them, one
   * publisher at a time (an advisory lock), so results of one execution go
   * out in the order of its changes. Returns how many were sent (0: none, or
   * another instance is sending).
   */
  publishResults(limit: number, send: (results: HandlerResult[]) => Promise<void>): Promise<number> {
    return inTransaction(this.pool, 'publishing handler results', async (client) => {
      const { rows: locked } = await client.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(hashtext($1)) as ok`, [this.tables.resultOutbox]);
      if (!locked[0]!.ok) return 0;
      const { rows } = await client.query<{ id: string; result: HandlerResult }>(`select id, result from ${this.tables.resultOutbox} order by id limit $1`, [limit]);
      if (rows.length === 0) return 0;
      await send(rows.map((row) => ({ ...row.result, requestedAt: Number(row.result.requestedAt), updatedAt: Number(row.result.updatedAt), nextAttemptAt: row.result.nextAttemptAt === null ? null : Number(row.result.nextAttemptAt) })));
      // by id, not `id <= last`: a change committed since with a lower id is not sent yet
      await client.query(`delete from ${this.tables.resultOutbox} where id = any($1::bigint[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  /** Due executions per kind and how long the oldest has been due. */
  async queueStats(): Promise<QueueStats[]> {
    const { rows } = await this.pool.query<{ handler: string; due: string; oldest_seconds: number }>(
      `select handler, count(*) as due, extract(epoch from now() - min(next_attempt_at))::float8 as oldest_seconds
        from ${this.tables.executions} where state in ${open} and next_attempt_at <= now() group by handler`,
    );
    return rows.map((row) => ({ handler: row.handler, due: Number(row.due), oldestDueSeconds: row.oldest_seconds }));
  }

  /** Deletes executions finished longer than `retentionMs` ago. */
  async purgeFinished(retentionMs: number): Promise<number> {
    const result = await this.pool.query(`delete from ${this.tables.executions} where finished_at < now() - $1 * interval '1 millisecond'`, [retentionMs]);
    return result.rowCount ?? 0;
  }
}
