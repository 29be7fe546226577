/**
 * Webhook subscriptions in the registry's PostgreSQL schema (migration
 * `0008_webhooks`), as the admin API writes them; the webhooks republisher
 * reads them and writes their outbox. A secret is stored as given to the
 * tenant (`whsec_...`): signing needs it whole, so it is shown once, at
 * creation and at rotation, and never listed. A rotation keeps the previous
 * secret signing beside the new one until its grace period ends.
 */
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import type { Registry } from '../../registry';
import { webhookTableNames } from '../../schemas/tables';
import {
  newWebhookSecret, newWebhookSubscriptionId, pathFilterProblem, tenantPathFilter, webhookEventTypes, webhookLimits, webhookPayloadKinds, webhookUrlProblem,
  type WebhookEventType, type WebhookPayloadKind,
} from '../../schemas/webhooks';

export interface SubscriptionInput {
  url: string;
  eventTypes: WebhookEventType[];
  /** Default: the whole tenant, `/<tenant>/#`. */
  pathFilter?: string;
  /** Default thin. */
  payload?: WebhookPayloadKind;
  /** Default 1: one event per request. */
  maxBatch?: number;
  description?: string | null;
}

export type SubscriptionChange = Partial<SubscriptionInput> & {
  /** true enables a subscription again (after a 410 disabled it, say); false stops deliveries, keeping its queue. */
  enabled?: boolean;
};

export interface SubscriptionRecord {
  id: string;
  tenant: string;
  url: string;
  eventTypes: WebhookEventType[];
  pathFilter: string;
  payload: WebhookPayloadKind;
  maxBatch: number;
  description: string | null;
  enabled: boolean;
  /** Why it was disabled (an endpoint's 410, an operator), or null. */
  disabledReason: string | null;
  disabledAt: Date | null;
  /** Until when the previous secret still signs, after a rotation; null when only one does. */
  previousSecretUntil: Date | null;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  /** Messages waiting (pending), and given up (dead-lettered, kept for the outbox's retention). */
  pending: number;
  dead: number;
}

interface SubscriptionRow {
  id: string; tenant: string; url: string; event_types: WebhookEventType[]; path_filter: string; payload: WebhookPayloadKind; max_batch: number; description: string | null;
  enabled: boolean; disabled_reason: string | null; disabled_at: Date | null; previous_secret_until: Date | null; created_at: Date; created_by: string | null; updated_at: Date;
  pending: string; dead: string;
}

function invalid(message: string): FleetstreamError {
  return new FleetstreamError('WEBHOOK_SUBSCRIPTION_INVALID', message);
}

/** Throws WEBHOOK_SUBSCRIPTION_INVALID naming what is wrong with the fields given. */
function check(tenant: string, input: Partial<SubscriptionInput>): void {
  if (input.url !== undefined) {
    const problem = webhookUrlProblem(input.url);
    if (problem) throw invalid(problem);
  }
  if (input.eventTypes !== undefined) {
    const unknown = input.eventTypes.filter((t) => !webhookEventTypes.includes(t));
    if (input.eventTypes.length === 0 || unknown.length > 0) throw invalid(`eventTypes must be one or more of ${webhookEventTypes.join(', ')}${unknown.length ? `; got ${unknown.join(', ')}` : ''}`);
  }
  if (input.pathFilter !== undefined) {
    const problem = pathFilterProblem(tenant, input.pathFilter);
    if (problem) throw invalid(problem);
  }
  if (input.payload !== undefined && !webhookPayloadKinds.includes(input.payload)) throw invalid(`payload must be ${webhookPayloadKinds.join(' or ')}`);
  const { min, max } = webhookLimits.maxBatch;
  if (input.maxBatch !== undefined && (!Number.isInteger(input.maxBatch) || input.maxBatch < min || input.maxBatch > max)) throw invalid(`maxBatch must be an integer from ${min} to ${max}`);
}

export class SubscriptionStore {
  private readonly tables;

  constructor(private readonly registry: Registry) {
    this.tables = webhookTableNames(registry.schema);
  }

  private select(where: string): string {
    const m = this.tables.messages;
    return `select s.id, s.tenant, s.url, s.event_types, s.path_filter, s.payload, s.max_batch, s.description, s.enabled, s.disabled_reason, s.disabled_at,
        case when s.previous_secret_until > now() then s.previous_secret_until end as previous_secret_until, s.created_at, s.created_by, s.updated_at,
        (select count(*) from ${m} where subscription_id = s.id and state = 'pending') as pending,
        (select count(*) from ${m} where subscription_id = s.id and state = 'dead') as dead
      from ${this.tables.subscriptions} s where ${where}`;
  }

  private async query(doing: string, text: string, values: unknown[]): Promise<SubscriptionRecord[]> {
    try {
      return (await this.registry.pool.query<SubscriptionRow>(text, values)).rows.map(recordOf);
    } catch (error) {
      throw databaseError(error, doing);
    }
  }

  async create(tenant: string, input: SubscriptionInput, createdBy: string | null): Promise<{ record: SubscriptionRecord; secret: string }> {
    check(tenant, input);
    const id = newWebhookSubscriptionId();
    const secret = newWebhookSecret();
    try {
      await this.registry.pool.query(
        `insert into ${this.tables.subscriptions} (id, tenant, url, event_types, path_filter, payload, max_batch, description, secret, created_by)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [id, tenant, input.url, input.eventTypes, input.pathFilter ?? tenantPathFilter(tenant), input.payload ?? 'thin', input.maxBatch ?? webhookLimits.maxBatch.default, input.description ?? null, secret, createdBy],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23503') throw new FleetstreamError('TENANT_NOT_FOUND', `no tenant ${tenant} in the registry`, { cause: error });
      throw databaseError(error, 'creating a webhook subscription');
    }
    return { record: await this.get(id), secret };
  }

  list(tenant: string | undefined): Promise<SubscriptionRecord[]> {
    return tenant === undefined ? this.query('listing webhook subscriptions', `${this.select('true')} order by s.tenant, s.created_at`, []) : this.query('listing webhook subscriptions', `${this.select('s.tenant = $1')} order by s.created_at`, [tenant]);
  }

  async get(id: string): Promise<SubscriptionRecord> {
    const [record] = await this.query('reading a webhook subscription', this.select('s.id = $1'), [id]);
    if (!record) throw new FleetstreamError('WEBHOOK_SUBSCRIPTION_NOT_FOUND', `no webhook subscription ${id}; list them with GET /v1/admin/webhooks/<tenant>/subscriptions`);
    return record;
  }

  async update(id: string, change: SubscriptionChange): Promise<SubscriptionRecord> {
    const current = await this.get(id);
    check(current.tenant, change);
    await this.registry.pool.query(
      `update ${this.tables.subscriptions} set url = coalesce($2, url), event_types = coalesce($3, event_types), path_filter = coalesce($4, path_filter), payload = coalesce($5, payload),
          max_batch = coalesce($6, max_batch), description = case when $7 then $8 else description end,
          enabled = coalesce($9, enabled),
          disabled_reason = case when $9 is true then null when $9 is false and enabled then 'disabled through the API' else disabled_reason end,
          disabled_at = case when $9 is true then null when $9 is false and enabled then now() else disabled_at end,
          updated_at = now(), revision = revision + 1
        where id = $1`,
      [id, change.url ?? null, change.eventTypes ?? null, change.pathFilter ?? null, change.payload ?? null, change.maxBatch ?? null, change.description !== undefined, change.description ?? null, change.enabled ?? null],
    ).catch((error: unknown) => {
      throw databaseError(error, 'updating a webhook subscription');
    });
    return this.get(id);
  }

  /** Deletes a subscription and its queued messages. */
  async remove(id: string): Promise<SubscriptionRecord> {
    const record = await this.get(id);
    await this.registry.pool.query(`delete from ${this.tables.subscriptions} where id = $1`, [id]).catch((error: unknown) => {
      throw databaseError(error, 'deleting a webhook subscription');
    });
    return record;
  }

  /** A new secret; the one it replaces keeps signing beside it for `gracePeriodMs` (0: stops at once). */
  async rotateSecret(id: string, gracePeriodMs: number): Promise<{ record: SubscriptionRecord; secret: string }> {
    if (!Number.isInteger(gracePeriodMs) || gracePeriodMs < 0 || gracePeriodMs > webhookLimits.maxGracePeriodMs) throw invalid(`gracePeriodSeconds must be from 0 to ${webhookLimits.maxGracePeriodMs / 1000}`);
    const secret = newWebhookSecret();
    const { rowCount } = await this.registry.pool
      .query(
        `update ${this.tables.subscriptions} set previous_secret = secret, previous_secret_until = now() + $3 * interval '1 millisecond', secret = $2, updated_at = now(), revision = revision + 1 where id = $1`,
        [id, secret, gracePeriodMs],
      )
      .catch((error: unknown) => {
        throw databaseError(error, 'rotating a webhook secret');
      });
    if (rowCount === 0) await this.get(id);
    return { record: await this.get(id), secret };
  }

  /**
   * Sends again the stored messages whose first event lies in [from, to):
   * delivered and dead ones become pending with a fresh schedule, under their
   * own ids (a receiver that deduplicates by `webhook-id` skips what it had).
   * Messages past the outbox's retention (WEBHOOKS_RETENTION) are gone.
   */
  async replay(id: string, from: Date, to: Date): Promise<{ messages: number }> {
    if (!(from < to)) throw invalid('replay needs from < to');
    try {
      const { rowCount } = await this.registry.pool.query(
        `update ${this.tables.messages} set state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = null
          where subscription_id = $1 and state <> 'pending' and first_event_at >= $2 and first_event_at < $3`,
        [id, from, to],
      );
      return { messages: rowCount ?? 0 };
    } catch (error) {
      throw databaseError(error, 'replaying webhook messages');
    }
  }
}

function recordOf(row: SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    url: row.url,
    eventTypes: row.event_types,
    pathFilter: row.path_filter,
    payload: row.payload,
    maxBatch: row.max_batch,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    previousSecretUntil: row.previous_secret_until,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    pending: Number(row.pending),
    dead: Number(row.dead),
  };
}
