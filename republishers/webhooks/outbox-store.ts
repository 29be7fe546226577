/**
 * The outbox in PostgreSQL (migration `0008_webhooks`), written only by the
 * republisher:
 *
 * - a consumed batch of one source partition: the messages built from its
 *   records at or past the partition's stored next offset
 *   (`webhook_consumed_offsets`, locked first) are inserted, and the offset
 *   moves past the batch, in one commit. Kafka's committed offset trails it,
 *   so a batch read again after a crash finds its records below the stored
 *   offset and adds nothing: no message lost, none made twice (under two ids);
 * - an attempt: due messages are claimed by moving their next attempt a lease
 *   ahead (`for update skip locked`, so instances never take the same one),
 *   then sent, then their outcome recorded. A crash in between leaves the
 *   message to be claimed again once its lease ends, and sent again under the
 *   same id: at least once.
 *
 * Times are the database's (`now()`), so instances with different clocks
 * agree on what is due.
 */
import type { Pool, PoolClient } from 'pg';
import { writeWithOffset } from '../../lib/offsets-in-database';
import { webhookSecretKey, type WebhookEventType, type WebhookPayloadKind } from '../../schemas/webhooks';
import { webhookTableNames, type WebhookTables } from '../../schemas/tables';
import type { OutboxMessage } from './outbox-messages';
import type { Subscription } from './subscription';

export interface ClaimedMessage {
  id: string;
  subscriptionId: string;
  body: string;
  /** Attempts made before this one. */
  attempts: number;
}

export interface QueueDepth {
  subscriptionId: string;
  pending: number;
  oldestSeconds: number;
}

/** What a failed attempt writes on its message (delivered ones: `recordDelivered`). */
export type AttemptRecord =
  | { kind: 'retry'; delayMs: number; status: number | null; error: string }
  | { kind: 'dead'; status: number | null; error: string }
  /** 410: the message stays pending for when the subscription is enabled again. */
  | { kind: 'gone'; status: number; error: string };

export class OutboxStore {
  readonly tables: WebhookTables;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly groupId: string,
  ) {
    this.tables = webhookTableNames(schema);
  }

  /**
   * Writes the messages `build` makes of the records at or past the stored
   * offset and moves it past `lastOffset`. Returns `gap` instead, writing
   * nothing, when the batch starts past the stored offset: records between
   * were not read (the group lost its Kafka offsets), and the consumer should
   * read from there; with `acceptGap` (it did, and Kafka no longer has them)
   * the batch is written all the same.
   */
  applyBatch(
    topic: string,
    partition: number,
    batch: { firstOffset: string; lastOffset: string; acceptGap: boolean },
    build: (fromOffset: bigint) => OutboxMessage[],
  ): Promise<{ written: number; gap?: string }> {
    return writeWithOffset(this.pool, this.tables.consumedOffsets, this.groupId, { topic, partition, ...batch }, async (client, fromOffset) => {
      const messages = build(fromOffset);
      await insertMessages(client, this.tables, messages);
      return messages.length;
    });
  }

  /** Moves the stored offset of a partition no subscription reads forward to `nextOffset` (never back), writing nothing else. */
  async skipTo(topic: string, partition: number, nextOffset: string): Promise<void> {
    if (BigInt(nextOffset) === 0n) return;
    const last = (BigInt(nextOffset) - 1n).toString();
    await this.applyBatch(topic, partition, { firstOffset: last, lastOffset: last, acceptGap: true }, () => []);
  }

  /** The enabled subscriptions with the keys that sign now (the previous secret's while its grace period lasts). */
  async subscriptions(): Promise<Subscription[]> {
    const { rows } = await this.pool.query<{
      id: string; tenant: string; url: string; event_types: WebhookEventType[]; path_filter: string; payload: WebhookPayloadKind; max_batch: number; secret: string; previous_secret: string | null;
    }>(
      `select id, tenant, url, event_types, path_filter, payload, max_batch, secret, case when previous_secret_until > now() then previous_secret end as previous_secret
        from ${this.tables.subscriptions} where enabled order by id`,
    );
    return rows.map((row) => ({
      id: row.id,
      tenant: row.tenant,
      url: row.url,
      eventTypes: row.event_types,
      pathFilter: row.path_filter,
      payload: row.payload,
      maxBatch: row.max_batch,
      enabled: true,
      keys: [row.secret, row.previous_secret].map((secret) => (secret === null ? undefined : webhookSecretKey(secret))).filter((key) => key !== undefined),
    }));
  }

  /** Claims up to `slots` due messages of each subscription, oldest due first, for `leaseMs`. */
  async claimDue(wanted: { subscriptionId: string; slots: number }[], leaseMs: number): Promise<ClaimedMessage[]> {
    if (wanted.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string; subscription_id: string; body: string; attempts: number }>(
      `update ${this.tables.messages} set next_attempt_at = now() + $3 * interval '1 millisecond'
        where id in (
          select picked.id from unnest($1::text[], $2::int[]) as w(subscription_id, slots)
          cross join lateral (
            select m.id from ${this.tables.messages} m
              where m.subscription_id = w.subscription_id and m.state = 'pending' and m.next_attempt_at <= now()
              order by m.next_attempt_at limit w.slots for update skip locked) picked)
        returning id, subscription_id, body, attempts`,
      [wanted.map((w) => w.subscriptionId), wanted.map((w) => w.slots), leaseMs],
    );
    return rows.map((row) => ({ id: row.id, subscriptionId: row.subscription_id, body: row.body, attempts: row.attempts }));
  }

  /** Records the failure of a message's attempt number `attempts`. */
  async recordAttempt(messageId: string, attempts: number, record: AttemptRecord): Promise<void> {
    const m = this.tables.messages;
    const common = [messageId, attempts];
    if (record.kind === 'retry') {
      await this.pool.query(`update ${m} set attempts = $2, last_status = $3, last_error = $4, last_attempt_at = now(), next_attempt_at = now() + $5 * interval '1 millisecond' where id = $1`, [
        ...common, record.status, record.error, record.delayMs,
      ]);
    } else if (record.kind === 'dead') {
      await this.pool.query(`update ${m} set state = 'dead', attempts = $2, last_status = $3, last_error = $4, last_attempt_at = now(), finished_at = now() where id = $1`, [...common, record.status, record.error]);
    } else {
      await this.pool.query(`update ${m} set attempts = $2, last_status = $3, last_error = $4, last_attempt_at = now(), next_attempt_at = now() where id = $1`, [...common, record.status, record.error]);
    }
  }

  /** Records messages delivered, in one statement. */
  async recordDelivered(delivered: { messageId: string; attempts: number; status: number }[]): Promise<void> {
    await this.pool.query(
      `update ${this.tables.messages} m set state = 'delivered', attempts = d.attempts, last_status = d.status, last_error = null, last_attempt_at = now(), finished_at = now()
        from unnest($1::text[], $2::int[], $3::int[]) as d(id, attempts, status) where m.id = d.id`,
      [delivered.map((d) => d.messageId), delivered.map((d) => d.attempts), delivered.map((d) => d.status)],
    );
  }

  /** Disables a subscription (410 Gone), with the reason the API shows. */
  async disable(subscriptionId: string, reason: string): Promise<void> {
    await this.pool.query(`update ${this.tables.subscriptions} set enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now(), revision = revision + 1 where id = $1 and enabled`, [subscriptionId, reason]);
  }

  /** Pending messages and the age of the oldest, per subscription that has any. */
  async queueDepths(): Promise<QueueDepth[]> {
    const { rows } = await this.pool.query<{ subscription_id: string; pending: string; oldest_seconds: number }>(
      `select subscription_id, count(*) as pending, extract(epoch from now() - min(created_at))::float8 as oldest_seconds
        from ${this.tables.messages} where state = 'pending' group by subscription_id`,
    );
    return rows.map((row) => ({ subscriptionId: row.subscription_id, pending: Number(row.pending), oldestSeconds: row.oldest_seconds }));
  }

  /** Deletes delivered and dead messages finished longer than `retentionMs` ago. */
  async purgeFinished(retentionMs: number): Promise<number> {
    const result = await this.pool.query(`delete from ${this.tables.messages} where state <> 'pending' and finished_at < now() - $1 * interval '1 millisecond'`, [retentionMs]);
    return result.rowCount ?? 0;
  }
}

async function insertMessages(client: PoolClient, tables: WebhookTables, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `insert into ${tables.messages} (id, subscription_id, body, events, first_event_at, last_event_at, next_attempt_at)
      select id, subscription_id, body, events, to_timestamp(first_ms / 1000.0), to_timestamp(last_ms / 1000.0), now()
        from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::float8[]) as m(id, subscription_id, body, events, first_ms, last_ms)
        -- a subscription deleted since it was read takes nothing (and a retried batch does not fail on it for ever)
        where exists (select 1 from ${tables.subscriptions} s where s.id = m.subscription_id)`,
    [messages.map((m) => m.id), messages.map((m) => m.subscriptionId), messages.map((m) => m.body), messages.map((m) => m.events), messages.map((m) => m.firstEventAt), messages.map((m) => m.lastEventAt)],
  );
}
