/**
 * The aggregation groups in PostgreSQL (`notification_groups`) and their
 * flushes (`notification_flushes`). A group keeps its timer (next_flush_at),
 * its flush sequence and its per-action notification log there, so a
 * restarted or new leader goes on where the last one stopped. A flush moves
 * its group on only if the group is still at the sequence the flush was
 * planned from (two leaders for a moment: one wins), and inserts its handler
 * requests in the same transaction, before they are sent.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../lib/pg-transaction';
import { notificationTableNames, type NotificationTables } from '../../schemas/tables';
import type { HandlerRequest } from '../../schemas/types';
import type { LogEntry } from './notification-log';

/** Identifies one life of a group: a group that ended and starts again is a new life, its flushes counted from 0 again. */
export interface GroupLife {
  tenant: string;
  groupKey: string;
  startedAt: number;
}

export interface StoredGroup extends GroupLife {
  routeId: string;
  receiver: string;
  groupLabels: Record<string, string>;
  nextFlushAt: number;
  flushSeq: number;
  log: (LogEntry | null)[];
  flushedResolved: string[];
}

export interface RecordedFlush extends GroupLife {
  flushSeq: number;
  requests: HandlerRequest[];
}

export interface FlushOutcome {
  group: StoredGroup;
  /** the group after the flush; undefined: it ended */
  next: Pick<StoredGroup, 'nextFlushAt' | 'log' | 'flushedResolved'> | undefined;
  /** the handler requests of the flush, none when it tells nothing */
  requests: HandlerRequest[];
  now: number;
}

interface GroupRow {
  tenant: string;
  group_key: string;
  started_at: Date;
  route_id: string;
  receiver: string;
  group_labels: Record<string, string>;
  next_flush_at: Date;
  flush_seq: number;
  log: (LogEntry | null)[];
  flushed_resolved: string[];
}

export class GroupStore {
  private readonly t: NotificationTables;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.t = notificationTableNames(schema);
  }

  async all(): Promise<StoredGroup[]> {
    const { rows } = await this.pool.query<GroupRow>(
      `select tenant, group_key, started_at, route_id, receiver, group_labels, next_flush_at, flush_seq::float8 as flush_seq, log, flushed_resolved from ${this.t.groups}`,
    );
    return rows.map((r) => ({
      tenant: r.tenant, groupKey: r.group_key, startedAt: r.started_at.getTime(), routeId: r.route_id, receiver: r.receiver, groupLabels: r.group_labels,
      nextFlushAt: r.next_flush_at.getTime(), flushSeq: r.flush_seq, log: r.log, flushedResolved: r.flushed_resolved,
    }));
  }

  /** Starts a group; false when one of that key exists already (another leader started it). */
  async start(group: StoredGroup): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `insert into ${this.t.groups} (tenant, group_key, started_at, route_id, receiver, group_labels, next_flush_at) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
      [group.tenant, group.groupKey, new Date(group.startedAt), group.routeId, group.receiver, JSON.stringify(group.groupLabels), new Date(group.nextFlushAt)],
    );
    return rowCount === 1;
  }

  /** Brings a group's first flush forward (an alert that started longer than groupWait ago joined it). */
  async flushEarlier(group: GroupLife, at: number): Promise<void> {
    await this.pool.query(`update ${this.t.groups} set next_flush_at = least(next_flush_at, $4), updated_at = now() where tenant = $1 and group_key = $2 and started_at = $3 and flush_seq = 0`, [
      group.tenant, group.groupKey, new Date(group.startedAt), new Date(at),
    ]);
  }

  /** Moves the group on (or ends it) and records the flush's requests, in one transaction; false when the group moved meanwhile (nothing recorded). */
  async recordFlush({ group, next, requests, now }: FlushOutcome): Promise<boolean> {
    return inTransaction(this.pool, 'recording a notification flush', async (client) => {
      const key = [group.tenant, group.groupKey, new Date(group.startedAt), group.flushSeq];
      const moved = next
        ? await client.query(
            `update ${this.t.groups} set flush_seq = flush_seq + 1, next_flush_at = $5, log = $6, flushed_resolved = $7, updated_at = now()
             where tenant = $1 and group_key = $2 and started_at = $3 and flush_seq = $4`,
            [...key, new Date(next.nextFlushAt), JSON.stringify(next.log), JSON.stringify(next.flushedResolved)],
          )
        : await client.query(`delete from ${this.t.groups} where tenant = $1 and group_key = $2 and started_at = $3 and flush_seq = $4`, key);
      if (moved.rowCount !== 1) return false;
      if (requests.length > 0) {
        await client.query(
          `insert into ${this.t.flushes} (tenant, group_key, started_at, flush_seq, receiver, flushed_at, execution_ids, requests) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [...key, group.receiver, new Date(now), requests.map((r) => r.executionId), JSON.stringify(requests)],
        );
      }
      return true;
    });
  }

  async dispatched(flush: GroupLife & { flushSeq: number }): Promise<void> {
    await this.pool.query(`update ${this.t.flushes} set dispatched_at = now() where tenant = $1 and group_key = $2 and started_at = $3 and flush_seq = $4`, [
      flush.tenant, flush.groupKey, new Date(flush.startedAt), flush.flushSeq,
    ]);
  }

  /** Flushes recorded and not acknowledged by Kafka (a leader that died in between), oldest first. */
  async undispatched(): Promise<RecordedFlush[]> {
    const { rows } = await this.pool.query<{ tenant: string; group_key: string; started_at: Date; flush_seq: number; requests: HandlerRequest[] }>(
      `select tenant, group_key, started_at, flush_seq::float8 as flush_seq, requests from ${this.t.flushes} where dispatched_at is null order by flushed_at limit 1000`,
    );
    return rows.map((r) => ({ tenant: r.tenant, groupKey: r.group_key, startedAt: r.started_at.getTime(), flushSeq: r.flush_seq, requests: r.requests }));
  }
}
