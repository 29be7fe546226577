/**
 * Execution ids of the handler requests an automation fire makes: UUID
 * version 5 (RFC 9562, SHA-1 of a namespace and a name) of the automation,
 * its revision, the trigger (the schedule slot, or the event's topic,
 * partition and offset) and the action's index. A replay, a retry or a
 * second instance computing the same fire gets the same ids, which the
 * handler workers take as idempotency keys.
 */
import { uuidV5 as uuidV5In } from '../../lib/uuid-v5';

/** This namespace's own UUID (random, fixed): ids of other names never collide with automations'. */
const namespace = Buffer.from('6f1c3a52c7d94e0f9b8e2d4a5c7e1f30', 'hex');

export function uuidV5(name: string): string {
  return uuidV5In(namespace, name);
}

export function executionId(tenant: string, automationId: string, revision: number, trigger: string, actionIndex: number): string {
  return uuidV5(JSON.stringify([tenant, automationId, revision, trigger, actionIndex]));
}

/** The trigger of a schedule slot: `schedule:<ISO time>`. */
export function slotTrigger(slot: number): string {
  return `schedule:${new Date(slot).toISOString()}`;
}

/** The trigger of an event: `event:<topic>/<partition>/<offset>`. */
export function eventTrigger(topic: string, partition: number, offset: string): string {
  return `event:${topic}/${partition}/${offset}`;
}
