/**
 * The scheduler's records in PostgreSQL: each schedule's cursor (the newest
 * instant decided) and its fires, recorded in one transaction before their
 * handler requests are sent; a fire whose (automation, trigger) is recorded
 * already is not fired again. `dispatched_at` is set once Kafka acknowledged
 * the requests; a new leader sends the ones left without it again (same
 * execution ids).
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../lib/pg-transaction';
import { automationTableNames } from '../../schemas/tables';
import type { HandlerRequest } from '../../schemas/types';

export interface ScheduleCursor {
  revision: number;
  decidedUntil: number;
}

export interface RecordedFire {
  trigger: string;
  firedAt: number;
  missedSlots: number;
  requests: HandlerRequest[];
}

export class RunRecords {
  private readonly t: ReturnType<typeof automationTableNames>;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.t = automationTableNames(schema);
  }

  async cursors(): Promise<Map<string, ScheduleCursor>> {
    const { rows } = await this.pool.query<{ tenant: string; automation_id: string; revision: number; decided_until: Date }>(`select tenant, automation_id, revision::float8 as revision, decided_until from ${this.t.schedules}`);
    return new Map(rows.map((r) => [`${r.tenant}/${r.automation_id}`, { revision: r.revision, decidedUntil: r.decided_until.getTime() }]));
  }

  /** Starts (or restarts, at a new revision) a schedule's cursor at `from`; returns the cursor stored. */
  async startCursor(tenant: string, id: string, revision: number, from: number): Promise<ScheduleCursor> {
    const { rows } = await this.pool.query<{ revision: number; decided_until: Date }>(
      `insert into ${this.t.schedules} as s (tenant, automation_id, revision, decided_until) values ($1, $2, $3, $4)
       on conflict (tenant, automation_id) do update set revision = excluded.revision, decided_until = greatest(s.decided_until, excluded.decided_until), updated_at = now()
       returning revision::float8 as revision, decided_until`,
      [tenant, id, revision, new Date(from)],
    );
    return { revision: rows[0]!.revision, decidedUntil: rows[0]!.decided_until.getTime() };
  }

  /** Moves the cursor and records the fires not recorded yet, in one transaction; returns the ones recorded now (to dispatch). */
  async record(tenant: string, id: string, revision: number, decidedUntil: number, fires: readonly RecordedFire[]): Promise<RecordedFire[]> {
    return inTransaction(this.pool, 'recording automation fires', async (client) => {
      await client.query(`update ${this.t.schedules} set decided_until = greatest(decided_until, $4), revision = $3, updated_at = now() where tenant = $1 and automation_id = $2`, [tenant, id, revision, new Date(decidedUntil)]);
      const recorded: RecordedFire[] = [];
      for (const fire of fires) {
        const { rowCount } = await client.query(
          `insert into ${this.t.runs} (tenant, automation_id, trigger, revision, kind, fired_at, missed_slots, execution_ids, payload)
           values ($1, $2, $3, $4, 'schedule', $5, $6, $7, $8) on conflict do nothing`,
          [tenant, id, fire.trigger, revision, new Date(fire.firedAt), fire.missedSlots, fire.requests.map((r) => r.executionId), JSON.stringify(fire.requests)],
        );
        if (rowCount === 1) recorded.push(fire);
      }
      return recorded;
    });
  }

  async dispatched(tenant: string, id: string, triggers: readonly string[]): Promise<void> {
    await this.pool.query(`update ${this.t.runs} set dispatched_at = now() where tenant = $1 and automation_id = $2 and trigger = any($3)`, [tenant, id, triggers]);
  }

  /** Fires recorded and not acknowledged by Kafka (a leader that died in between), oldest first. */
  async undispatched(): Promise<{ tenant: string; automationId: string; trigger: string; requests: HandlerRequest[] }[]> {
    const { rows } = await this.pool.query<{ tenant: string; automation_id: string; trigger: string; payload: HandlerRequest[] }>(
      `select tenant, automation_id, trigger, payload from ${this.t.runs} where dispatched_at is null and kind = 'schedule' order by recorded_at limit 1000`,
    );
    return rows.map((r) => ({ tenant: r.tenant, automationId: r.automation_id, trigger: r.trigger, requests: r.payload }));
  }
}
