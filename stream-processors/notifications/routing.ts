/**
 * Alertmanager's routing tree: an alert enters at the root; a node takes it
 * when its matchers match; among a node's children the first that takes it
 * wins, unless that child has `continue`, in which case the next siblings
 * are tried too; a node none of whose children took the alert handles it
 * itself. The root takes every alert. Each handling node groups the alert
 * by its `groupBy` labels. Pure.
 */
import { canonicalJson } from '../../lib/tenant-documents';
import { matchesAll, type Labels } from '../../schemas/label-matchers';
import type { Route } from '../../schemas/notification-policy';

/** The nodes that handle an alert with these labels, in tree order. */
export function routesFor(root: Route, labels: Labels): Route[] {
  return matchNode(root, labels) ?? [root];
}

function matchNode(route: Route, labels: Labels): Route[] | undefined {
  if (!matchesAll(route.matchers, labels)) return undefined;
  const handled: Route[] = [];
  for (const child of route.routes) {
    const taken = matchNode(child, labels);
    if (!taken) continue;
    handled.push(...taken);
    if (!child.continue) break;
  }
  return handled.length > 0 ? handled : [route];
}

/** The labels an alert's group is keyed by on this route (every label for `...`). */
export function groupLabelsOf(route: Route, labels: Labels): Record<string, string> {
  if (route.groupBy === 'all') return { ...labels };
  const picked: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) picked[name] = labels[name];
  return picked;
}

/** A group's key inside its tenant: the route's place in the tree and the group labels, `0.1:{"site":"plant1"}`. */
export function groupKeyOf(route: Route, groupLabels: Labels): string {
  return `${route.id}:${canonicalJson(groupLabels)}`;
}
