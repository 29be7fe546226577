/**
 * The webhook subscription operations of the admin API, each authorizing its
 * caller as the other admin routes do (query-api/admin/caller.ts): a tenant's
 * admin token manages its tenant's subscriptions, its read token reads them,
 * a platform admin token does all. Subscriptions are addressed under their
 * tenant, and one of another tenant is not found there.
 */
import { FleetstreamError } from '../../lib/errors';
import { webhookLimits } from '../../schemas/webhooks';
import { authorize, type Caller } from '../admin/caller';
import type { SubscriptionChange, SubscriptionInput, SubscriptionRecord, SubscriptionStore } from './subscription-store';

export interface WebhookOperations {
  create(caller: Caller, tenant: string, input: SubscriptionInput): Promise<SubscriptionRecord & { secret: string }>;
  list(caller: Caller, tenant: string): Promise<SubscriptionRecord[]>;
  get(caller: Caller, tenant: string, id: string): Promise<SubscriptionRecord>;
  update(caller: Caller, tenant: string, id: string, change: SubscriptionChange): Promise<SubscriptionRecord>;
  remove(caller: Caller, tenant: string, id: string): Promise<SubscriptionRecord>;
  rotateSecret(caller: Caller, tenant: string, id: string, gracePeriodSeconds?: number): Promise<SubscriptionRecord & { secret: string }>;
  replay(caller: Caller, tenant: string, id: string, range: { from: string; to: string }): Promise<{ messages: number }>;
}

export function webhookOperations(store: SubscriptionStore): WebhookOperations {
  /** The subscription, once the caller may `needs` it; another tenant's is not found under this one. */
  const owned = async (caller: Caller, needs: 'read' | 'admin', tenant: string, id: string) => {
    authorize(caller, needs, tenant);
    const record = await store.get(id);
    if (record.tenant !== tenant) throw new FleetstreamError('WEBHOOK_SUBSCRIPTION_NOT_FOUND', `tenant ${tenant} has no webhook subscription ${id}`);
    return record;
  };
  return {
    async create(caller, tenant, input) {
      authorize(caller, 'admin', tenant);
      const { record, secret } = await store.create(tenant, input, caller.tokenId);
      return { ...record, secret };
    },
    list(caller, tenant) {
      authorize(caller, 'read', tenant);
      return store.list(tenant);
    },
    get: (caller, tenant, id) => owned(caller, 'read', tenant, id),
    async update(caller, tenant, id, change) {
      await owned(caller, 'admin', tenant, id);
      return store.update(id, change);
    },
    async remove(caller, tenant, id) {
      await owned(caller, 'admin', tenant, id);
      return store.remove(id);
    },
    async rotateSecret(caller, tenant, id, gracePeriodSeconds) {
      await owned(caller, 'admin', tenant, id);
      const { record, secret } = await store.rotateSecret(id, gracePeriodSeconds === undefined ? webhookLimits.defaultGracePeriodMs : gracePeriodSeconds * 1000);
      return { ...record, secret };
    },
    async replay(caller, tenant, id, range) {
      await owned(caller, 'admin', tenant, id);
      const [from, to] = [new Date(range.from), new Date(range.to)];
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new FleetstreamError('WEBHOOK_SUBSCRIPTION_INVALID', 'from and to must be ISO 8601 date-times');
      return store.replay(id, from, to);
    },
  };
}
