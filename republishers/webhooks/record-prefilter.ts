/**
 * Which consumed records are worth decoding: those of a tenant that has an
 * enabled subscription to the topic's event type. The republisher reads every
 * reading of the fleet; decoding them all (Avro, through the registry's
 * schema) when no subscription wants them cost what a sink's decoding costs,
 * on every installation, webhooks used or not. Readings and rollups are keyed
 * by their series path (`/<tenant>/...`, a rollup's with `@<window start>`),
 * so the tenant is read off the key; other records are decoded whenever any
 * tenant wants their type. Pure.
 */
import type { WebhookEventType } from '../../schemas/webhooks';
import type { Subscription } from './subscription';

export type RecordWanted = (key: Buffer | null) => boolean;

/** Whether a record of `type` keyed `key` may make an event some subscription takes; `pathKeyed`: the key starts with its series path. */
export function recordPrefilter(subscriptions: readonly Subscription[], type: WebhookEventType, pathKeyed: boolean): RecordWanted {
  const tenants = new Set(subscriptions.filter((s) => s.enabled && s.eventTypes.includes(type)).map((s) => s.tenant));
  if (tenants.size === 0) return () => false;
  if (!pathKeyed) return () => true;
  return (key) => {
    const tenant = key === null ? undefined : pathTenant(key.toString('utf8'));
    // a key that is no path: decoded, and judged on what it holds
    return tenant === undefined || tenants.has(tenant);
  };
}

/** The tenant of a key that starts with a series path (`/<tenant>/<site>/...`). */
function pathTenant(key: string): string | undefined {
  if (!key.startsWith('/')) return undefined;
  const end = key.indexOf('/', 1);
  return end > 1 ? key.slice(1, end) : undefined;
}
