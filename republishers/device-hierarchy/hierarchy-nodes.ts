/**
 * The registry's tree as the nodes of one generation (schemas/redis-hierarchy.ts),
 * and what a generation left out of its predecessor. Pure.
 */
import type { Hierarchy, HierarchyDevice } from '../../registry';
import { hierarchyLevel, hierarchyPath, type HierarchyDeviceNode, type HierarchyNode } from '../../schemas/redis-hierarchy';

export interface NodeCounts {
  tenants: number;
  sites: number;
  devices: number;
}

function deviceNode(device: HierarchyDevice): HierarchyDeviceNode {
  return {
    type: 'device',
    tenant: device.tenant,
    site: device.site,
    device: device.device,
    name: device.name,
    tags: device.tags,
    location: device.location,
    state: device.state,
    parent: device.parent ? hierarchyPath(device.parent.tenant, device.parent.site, device.parent.device) : null,
    // the registry lists children by name, `<tenant>/<site>/<device>`
    children: device.children.map((name) => hierarchyPath(name)),
    createdAt: device.createdAt.toISOString(),
    updatedAt: device.updatedAt.toISOString(),
    revision: device.revision,
  };
}

/** Every node by path, the root first, each parent before its children. */
export function hierarchyNodes(hierarchy: Hierarchy): Map<string, HierarchyNode> {
  const nodes = new Map<string, HierarchyNode>();
  nodes.set('/', { type: 'root', children: hierarchy.tenants.map((t) => hierarchyPath(t.name)) });
  for (const tenant of hierarchy.tenants) {
    nodes.set(hierarchyPath(tenant.name), { type: 'tenant', tenant: tenant.name, children: tenant.sites.map((s) => hierarchyPath(tenant.name, s.name)) });
    for (const site of tenant.sites) {
      nodes.set(hierarchyPath(tenant.name, site.name), { type: 'site', tenant: tenant.name, site: site.name, children: site.devices.map((d) => hierarchyPath(tenant.name, site.name, d.device)) });
      for (const device of site.devices) nodes.set(hierarchyPath(tenant.name, site.name, device.device), deviceNode(device));
    }
  }
  return nodes;
}

/** How many tenants, sites and devices the paths hold. */
export function countNodes(paths: Iterable<string>): NodeCounts {
  const counts: NodeCounts = { tenants: 0, sites: 0, devices: 0 };
  for (const path of paths) {
    const level = hierarchyLevel(path);
    if (level === 'tenant') counts.tenants++;
    else if (level === 'site') counts.sites++;
    else if (level === 'device') counts.devices++;
  }
  return counts;
}

/** The tenants, sites and devices of the previous generation that the next one no longer has. */
export function prunedNodes(previous: Iterable<string>, next: ReadonlyMap<string, unknown>): NodeCounts {
  return countNodes([...previous].filter((path) => !next.has(path)));
}
