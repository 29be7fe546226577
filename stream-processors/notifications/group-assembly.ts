/**
 * The aggregation groups the tracked alerts make now: each alert routed by
 * its tenant's policy (routing.ts) into one group per handling route, marked
 * muted when a silence or an inhibit rule mutes it. A resolved alert a
 * group already flushed is no longer its member. Pure.
 */
import type { NotificationPolicy, Route } from '../../schemas/notification-policy';
import type { GroupMember } from './group-flush';
import { Inhibitor } from './inhibition';
import { groupKeyOf, groupLabelsOf, routesFor } from './routing';
import { silencesMuting, type ActiveSilence } from './silences';
import { fingerprintOf, type TrackedAlert } from './tracked-alert';

export interface LiveGroup {
  tenant: string;
  groupKey: string;
  route: Route;
  groupLabels: Record<string, string>;
  members: GroupMember[];
}

/** `${tenant} ${groupKey}`: a group's name across tenants. */
export const groupName = (tenant: string, groupKey: string) => `${tenant} ${groupKey}`;

export function assembleGroups(
  policies: ReadonlyMap<string, NotificationPolicy>,
  alerts: readonly TrackedAlert[],
  silences: ReadonlyMap<string, ActiveSilence[]>,
  flushedResolved: (group: string) => ReadonlySet<string>,
): Map<string, LiveGroup> {
  const byTenant = new Map<string, TrackedAlert[]>();
  for (const alert of alerts) {
    const list = byTenant.get(alert.tenant);
    if (list) list.push(alert);
    else byTenant.set(alert.tenant, [alert]);
  }
  const groups = new Map<string, LiveGroup>();
  for (const [tenant, tenantAlerts] of byTenant) {
    const policy = policies.get(tenant);
    if (!policy) continue;
    const inhibitor = new Inhibitor(policy.inhibitRules, tenantAlerts);
    const tenantSilences = silences.get(tenant) ?? [];
    for (const alert of tenantAlerts) {
      const fingerprint = fingerprintOf(alert);
      const muted = silencesMuting(tenantSilences, alert.labels).length > 0 || inhibitor.isInhibited(alert);
      for (const route of routesFor(policy.route, alert.labels)) {
        const groupLabels = groupLabelsOf(route, alert.labels);
        const groupKey = groupKeyOf(route, groupLabels);
        const name = groupName(tenant, groupKey);
        if (alert.status === 'resolved' && flushedResolved(name).has(fingerprint)) continue;
        let group = groups.get(name);
        if (!group) groups.set(name, (group = { tenant, groupKey, route, groupLabels, members: [] }));
        group.members.push({ alert, fingerprint, muted });
      }
    }
  }
  return groups;
}
