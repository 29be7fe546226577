/**
 * A subscription as the republisher holds it, and which events it takes: its
 * tenant's, of its event types, whose path its filter matches. Pure.
 */
import { topicMatches } from '../../lib/topic-filter';
import type { WebhookEventType, WebhookPayloadKind } from '../../schemas/webhooks';
import type { WebhookEvent } from './webhook-events';

export interface Subscription {
  id: string;
  tenant: string;
  url: string;
  eventTypes: readonly WebhookEventType[];
  pathFilter: string;
  payload: WebhookPayloadKind;
  maxBatch: number;
  enabled: boolean;
  /** The HMAC keys that sign now: the current secret's, and the previous one's during its grace period. */
  keys: Buffer[];
}

export function subscriptionTakes(subscription: Subscription, event: WebhookEvent): boolean {
  return subscription.enabled && subscription.tenant === event.tenant && subscription.eventTypes.includes(event.type) && topicMatches(subscription.pathFilter, event.path);
}
