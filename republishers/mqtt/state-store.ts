/**
 * The state last claimed per republished topic (`mqtt_republish_state`,
 * migration 0013_mqtt_republish). A batch claims its messages before
 * publishing them: a message whose order is below the stored one is stale and
 * loses; the others replace the stored row and are published. Claiming first
 * means the table is never behind what a broker was given, so a restore after
 * a reconnect (`page`) hands out nothing older than what went out live.
 */
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import { mqttRepublishTableNames } from '../../schemas/tables';
import type { RepublishMessage } from './republish-messages';

export interface StoredMessage {
  topic: string;
  tenant: string;
  payload: string;
  order: { major: number; minor: number };
}

export class RepublishStateStore {
  private readonly table: string;

  constructor(private readonly pool: Pool, schema: string) {
    this.table = mqttRepublishTableNames(schema).state;
  }

  /** Stores the messages whose order is at least the stored one, in one statement; returns those (the others are stale). */
  async claim(messages: readonly RepublishMessage[]): Promise<RepublishMessage[]> {
    if (messages.length === 0) return [];
    // rows in topic order, so that two claims over the same topics lock them in the same order
    const sorted = [...messages].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    // a missing table (no `fleetstream migrate`) stops the component with the fix; an outage is retried
    const { rows } = await this.pool.query<{ topic: string }>(
      `insert into ${this.table} as s (topic, tenant, kind, order_major, order_minor, payload)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
       on conflict (topic) do update set tenant = excluded.tenant, kind = excluded.kind, order_major = excluded.order_major,
         order_minor = excluded.order_minor, payload = excluded.payload, updated_at = now()
       where (excluded.order_major, excluded.order_minor) >= (s.order_major, s.order_minor)
       returning topic`,
      [
        sorted.map((m) => m.topic),
        sorted.map((m) => m.tenant),
        sorted.map((m) => m.kind),
        sorted.map((m) => m.order.major),
        sorted.map((m) => m.order.minor),
        sorted.map((m) => m.payload),
      ],
    ).catch((error: unknown) => {
      throw databaseError(error, `claiming ${sorted.length} republished topics in ${this.table}`);
    });
    const won = new Set(rows.map((r) => r.topic));
    return messages.filter((m) => won.has(m.topic));
  }

  /** Up to `limit` stored messages after topic `after`, in topic order; of `tenants` only, when given. */
  async page(after: string, limit: number, tenants?: readonly string[]): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query<{ topic: string; tenant: string; payload: string; order_major: string; order_minor: string }>(
      `select topic, tenant, payload, order_major, order_minor from ${this.table}
       where topic > $1 and ($3::text[] is null or tenant = any($3)) order by topic limit $2`,
      [after, limit, tenants ?? null],
    ).catch((error: unknown) => {
      throw databaseError(error, `reading the stored state of ${this.table}`);
    });
    return rows.map((r) => ({ topic: r.topic, tenant: r.tenant, payload: r.payload, order: { major: Number(r.order_major), minor: Number(r.order_minor) } }));
  }
}

/** Every stored message of `tenants` (undefined: all), a page at a time, in topic order. */
export async function* storedPages(store: RepublishStateStore, pageSize: number, tenants?: readonly string[]): AsyncGenerator<StoredMessage[]> {
  let after = '';
  for (;;) {
    const page = await store.page(after, pageSize, tenants);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.topic;
  }
}
