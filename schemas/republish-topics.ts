/**
 * The MQTT republisher's topic scheme (republishers/mqtt): the platform's
 * current state per series, retained, under a root of its own that no device
 * topic can reach (devices publish only under `fleet/<tenant>/<site>/<device>`,
 * broker/access-rules.ts), one tenant per subtree so that a reader's rights
 * are one filter:
 *
 *   fleet-out/<tenant>/<site>/<device>/<metric>/rollup/<resolution>
 *   fleet-out/<tenant>/<site>/<device>/<metric>/alert/<ruleId>
 *
 * Every level is a path segment or a rule id, whose characters (letters,
 * digits, `_ . : ~ @ -`) hold no MQTT wildcard or `/`, and the depth is fixed,
 * so a topic names one (series, resolution) or one (rule, series). Pure.
 */
import type { SeriesIdentity } from './series-path';

/** The root of every republished topic. */
export const republishTopicRoot = 'fleet-out';

export type RepublishKind = 'rollup' | 'alert';

/** `<root>/<tenant>/<site>/<device>/<metric>/<kind>/<leaf>`: the leaf is a resolution for a rollup, a rule id for an alert. */
export function republishTopic(root: string, series: SeriesIdentity, kind: RepublishKind, leaf: string): string {
  return `${root}/${series.tenant}/${series.site}/${series.device}/${series.metric}/${kind}/${leaf}`;
}

/** The subtree of one tenant, what its readers may subscribe to: `fleet-out/<tenant>/#`. */
export function tenantRepublishFilter(tenant: string, root = republishTopicRoot): string {
  return `${root}/${tenant}/#`;
}

/** The tenant a republished topic belongs to (its second level), or undefined for a topic outside `root`. */
export function republishTopicTenant(topic: string, root = republishTopicRoot): string | undefined {
  if (!topic.startsWith(`${root}/`)) return undefined;
  const tenant = topic.slice(root.length + 1).split('/', 1)[0];
  return tenant === '' ? undefined : tenant;
}
