/**
 * The current state of every alarm the alerts topic told of
 * (`notification_alerts`), written with the topic's next offsets in one
 * transaction (lib/offsets-in-database.ts): a batch read again after a
 * crash finds its records below the stored offset and changes nothing. A
 * resolved alarm stays until the groups it belongs to have flushed it.
 */
import type { Pool, PoolClient } from 'pg';
import { writeWithOffset, type ConsumedBatch } from '../../lib/offsets-in-database';
import { notificationTableNames, type NotificationTables } from '../../schemas/tables';
import type { AlertChange, TrackedAlert } from './tracked-alert';

interface AlertRow {
  alarm_id: string;
  tenant: string;
  labels: Record<string, string>;
  status: 'firing' | 'resolved';
  starts_at: Date;
  ends_at: Date | null;
  value: number | null;
}

export class AlertStore {
  private readonly t: NotificationTables;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly groupId: string,
  ) {
    this.t = notificationTableNames(schema);
  }

  /** Applies the changes `build` makes of the records at or past the stored offset, in order; see writeWithOffset. */
  applyBatch(batch: ConsumedBatch, build: (fromOffset: bigint) => AlertChange[]): Promise<{ written: number; gap?: string }> {
    return writeWithOffset(this.pool, this.t.consumedOffsets, this.groupId, batch, async (client, fromOffset) => {
      const changes = build(fromOffset);
      for (const change of changes) await this.apply(client, change);
      return changes.length;
    });
  }

  private async apply(client: PoolClient, change: AlertChange): Promise<void> {
    if (change.kind === 'firing') {
      const a = change.alert;
      await client.query(
        `insert into ${this.t.alerts} (alarm_id, tenant, labels, status, starts_at, ends_at, value) values ($1, $2, $3, 'firing', $4, null, $5)
         on conflict (alarm_id) do update set labels = excluded.labels, status = 'firing', ends_at = null, value = excluded.value, updated_at = now()`,
        [a.alarmId, a.tenant, JSON.stringify(a.labels), new Date(a.startsAt), a.value],
      );
    } else if (change.kind === 'resolved') {
      // an alarm never seen firing (the group started reading mid-episode) has no one to tell
      await client.query(`update ${this.t.alerts} set status = 'resolved', ends_at = $2, value = coalesce($3, value), updated_at = now() where alarm_id = $1`, [change.alarmId, new Date(change.endsAt), change.value]);
    } else if (change.kind === 'forget') {
      await client.query(`delete from ${this.t.alerts} where alarm_id = $1`, [change.alarmId]);
    }
  }

  /** Every tracked alarm, firing and resolved-not-yet-flushed. */
  async all(): Promise<TrackedAlert[]> {
    const { rows } = await this.pool.query<AlertRow>(`select alarm_id, tenant, labels, status, starts_at, ends_at, value from ${this.t.alerts}`);
    return rows.map((r) => ({ alarmId: r.alarm_id, tenant: r.tenant, labels: r.labels, status: r.status, startsAt: r.starts_at.getTime(), endsAt: r.ends_at?.getTime() ?? null, value: r.value }));
  }

  /** Forgets resolved alarms no group still has to tell of. */
  async forgetResolved(alarmIds: readonly string[]): Promise<void> {
    if (alarmIds.length === 0) return;
    await this.pool.query(`delete from ${this.t.alerts} where status = 'resolved' and alarm_id = any($1)`, [alarmIds]);
  }
}
