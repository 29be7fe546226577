/**
 * What a consumed batch puts in the outbox: for each subscription, its
 * matching events cut into messages of at most its maxBatch events, each one
 * outbox row and, later, one request. So a batch of 5,000 readings for a
 * subscription batching 500 is ten rows, not 5,000. Pure.
 */
import { newWebhookMessageId } from '../../schemas/webhooks';
import { subscriptionTakes, type Subscription } from './subscription';
import { messageBody, type WebhookEvent } from './webhook-events';

export interface OutboxMessage {
  id: string;
  subscriptionId: string;
  body: string;
  events: number;
  firstEventAt: number;
  lastEventAt: number;
}

export function outboxMessages(events: readonly WebhookEvent[], subscriptions: readonly Subscription[], newId: () => string = newWebhookMessageId): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  for (const subscription of subscriptions) {
    const taken = events.filter((event) => subscriptionTakes(subscription, event));
    for (let at = 0; at < taken.length; at += subscription.maxBatch) {
      const chunk = taken.slice(at, at + subscription.maxBatch);
      const times = chunk.map((e) => e.time);
      messages.push({
        id: newId(),
        subscriptionId: subscription.id,
        body: messageBody(chunk, subscription.payload, subscription.maxBatch),
        events: chunk.length,
        firstEventAt: Math.min(...times),
        lastEventAt: Math.max(...times),
      });
    }
  }
  return messages;
}
