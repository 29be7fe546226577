/**
 * The runs of event automations in PostgreSQL (`automation_runs`): the
 * handler requests their fires made, read back from the handler requests
 * topic (lib/history-consumer.ts, group `<groupId>-history`), one row per
 * (automation, trigger) holding the execution ids of its actions. Schedule
 * fires are recorded by the scheduler itself, before they are sent, and
 * left alone here. A replay merges the same ids into the same row.
 */
import { HistoryConsumer, type TableHistoryConfig } from '../../lib/history-consumer';
import { databaseError } from '../../lib/pg-error-class';
import { automationTableNames } from '../../schemas/tables';
import type { HandlerRequest } from '../../schemas/types';

export type RunHistoryConfig = TableHistoryConfig<HandlerRequest>;

interface EventRun {
  tenant: string;
  automationId: string;
  trigger: string;
  revision: number;
  firedAt: number;
  executionIds: string[];
}

/** The runs of a batch of requests: those of event automations, one per (automation, trigger). Pure. */
export function eventRunsOf(requests: readonly HandlerRequest[]): EventRun[] {
  const runs = new Map<string, EventRun>();
  for (const r of requests) {
    if (r.originKind !== 'automation' || !r.trigger.startsWith('event:')) continue;
    const key = JSON.stringify([r.tenant, r.originId, r.trigger]);
    const run = runs.get(key);
    if (run) {
      if (!run.executionIds.includes(r.executionId)) run.executionIds.push(r.executionId);
      continue;
    }
    const revision = Number((JSON.parse(r.payload) as { automation?: { revision?: unknown } }).automation?.revision ?? 0);
    runs.set(key, { tenant: r.tenant, automationId: r.originId, trigger: r.trigger, revision, firedAt: Number(r.firedAt), executionIds: [r.executionId] });
  }
  return [...runs.values()];
}

export class RunHistory {
  private readonly consumer: HistoryConsumer<HandlerRequest>;

  constructor(config: RunHistoryConfig) {
    const { runs } = automationTableNames(config.schema);
    const upsert = `insert into ${runs} as r (tenant, automation_id, trigger, revision, kind, fired_at, execution_ids, dispatched_at)
      select tenant, automation_id, trigger, revision, 'event', fired_at, string_to_array(ids, ','), now()
      from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[]) as u(tenant, automation_id, trigger, revision, fired_at, ids)
      on conflict (tenant, automation_id, trigger) do update
      set execution_ids = array(select distinct unnest(r.execution_ids || excluded.execution_ids) order by 1)`;
    this.consumer = new HistoryConsumer<HandlerRequest>({
      ...config,
      what: 'automation runs',
      write: async (requests) => {
        const list = eventRunsOf(requests);
        if (list.length === 0) return;
        try {
          await config.pool.query(upsert, [
            list.map((r) => r.tenant),
            list.map((r) => r.automationId),
            list.map((r) => r.trigger),
            list.map((r) => r.revision),
            list.map((r) => new Date(r.firedAt).toISOString()),
            list.map((r) => r.executionIds.join(',')),
          ]);
        } catch (error) {
          throw databaseError(error, 'writing the automation runs');
        }
      },
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
