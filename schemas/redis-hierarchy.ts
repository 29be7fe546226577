/**
 * The registry's device hierarchy in Redis, as `fleetstream hierarchy publish`
 * writes it for consumers that read device metadata there (the Zenatix seed's
 * `publish_device_hierarchy`, every 6 hours). Under the prefix of
 * schemas/redis-keys.ts (`fleet:`), every key starts `<prefix>hierarchy:`:
 *
 * - `<prefix>hierarchy:current`, a hash: the generation readers use and what
 *   it holds: `generation`, `revision` (the registry revision it reflects),
 *   `publishedAt` (epoch ms), and the counts `tenants`, `sites`, `devices`;
 * - `<prefix>hierarchy:nodes:<generation>`, a hash: one field per node, named
 *   by its path (`/`, `/<tenant>`, `/<tenant>/<site>`,
 *   `/<tenant>/<site>/<device>`), holding the node as JSON (`HierarchyNode`);
 *   every `children` and `parent` is another field of the same hash;
 * - `<prefix>hierarchy:generation`, a counter: the last generation number given;
 * - `<prefix>hierarchy:lock`, a string that expires: held by the publish running.
 *
 * A publish writes a whole new generation, then one script makes it current
 * and gives the previous generation an expiry (the retired TTL) instead of
 * deleting it: a reader reads `current`'s `generation`, then that generation's
 * nodes, and sees one registry revision whole even while the next is written
 * or switched to. A reader that holds on to a generation longer than the
 * retired TTL finds its hash gone and reads `current` again. What the registry
 * removed is in no later generation: pruned at the switch.
 *
 * The redis-sink's `<prefix>children:<path>` sets are another tree: the series
 * paths readings arrived for, down to metrics, grown as data comes and never
 * pruned. This one is the registry's: every registered tenant, site and device
 * (with or without data), with metadata, pruned at every publish. A device's
 * node path is its series paths without the metric.
 *
 * One generation is one key, so the switch, the expiry and the clean-up of a
 * run that died half-way (its hash expires with the lock) are single-key
 * operations. The switch script builds the previous generation's key, so it
 * needs a standalone Redis, as the redis-sink does. Pure functions.
 */
import type { DeviceAddress } from './series-path';

export const hierarchyCurrentKey = (prefix: string) => `${prefix}hierarchy:current`;
export const hierarchyNodesKey = (prefix: string, generation: number | string) => `${prefix}hierarchy:nodes:${generation}`;
export const hierarchyGenerationKey = (prefix: string) => `${prefix}hierarchy:generation`;
export const hierarchyLockKey = (prefix: string) => `${prefix}hierarchy:lock`;

/** The root, `/`: its children are the tenants. */
export interface HierarchyRootNode {
  type: 'root';
  children: string[];
}

/** `/<tenant>`: its children are its sites. */
export interface HierarchyTenantNode {
  type: 'tenant';
  tenant: string;
  children: string[];
}

/** `/<tenant>/<site>`: its children are its devices. */
export interface HierarchySiteNode {
  type: 'site';
  tenant: string;
  site: string;
  children: string[];
}

/** `/<tenant>/<site>/<device>`: the device's metadata as the registry holds it. */
export interface HierarchyDeviceNode extends DeviceAddress {
  type: 'device';
  /** `<tenant>/<site>/<device>`, its MQTT username and its name in the admin API. */
  name: string;
  tags: Record<string, string>;
  location: { latitude?: number; longitude?: number; altitude?: number; description?: string } | null;
  state: 'active' | 'disabled' | 'revoked';
  /** The path of the gateway it is behind, or null. */
  parent: string | null;
  /** The paths of the devices behind it (it is their gateway). */
  children: string[];
  createdAt: string;
  updatedAt: string;
  /** The registry revision of its last change. */
  revision: number;
}

export type HierarchyNode = HierarchyRootNode | HierarchyTenantNode | HierarchySiteNode | HierarchyDeviceNode;

/** What `<prefix>hierarchy:current` holds, as read back with HGETALL; undefined before the first publish. */
export interface CurrentHierarchy {
  generation: number;
  revision: number;
  publishedAt: number;
  tenants: number;
  sites: number;
  devices: number;
}

export function currentHierarchyFromHash(fields: Record<string, string>): CurrentHierarchy | undefined {
  if (fields.generation === undefined) return undefined;
  const number = (name: keyof CurrentHierarchy) => Number(fields[name] ?? 0);
  return { generation: number('generation'), revision: number('revision'), publishedAt: number('publishedAt'), tenants: number('tenants'), sites: number('sites'), devices: number('devices') };
}

/** The node path of a tenant, site or device: `/acme`, `/acme/plant1`, `/acme/plant1/gw`. */
export function hierarchyPath(...names: string[]): string {
  return `/${names.join('/')}`;
}

/** Which level a node path is at, from its depth; the inverse of hierarchyPath. */
export function hierarchyLevel(path: string): 'root' | 'tenant' | 'site' | 'device' | undefined {
  if (path === '/') return 'root';
  return (['tenant', 'site', 'device'] as const)[path.split('/').length - 2];
}
