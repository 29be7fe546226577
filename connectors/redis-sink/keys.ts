/**
 * The Redis key and channel layout (see the shared contracts): pure
 * functions, so the query API's expectations are pinned by unit tests.
 */
import type { Measurement, Rollup } from '../../schemas/types';

export const latestKey = (prefix: string, path: string) => `${prefix}latest:${path}`;
export const liveChannel = (prefix: string, path: string) => `${prefix}live:${path}`;
export const rollupsKey = (prefix: string, resolution: string, path: string) => `${prefix}rollups:${resolution}:${path}`;
export const childrenKey = (prefix: string, parentPath: string) => `${prefix}children:${parentPath}`;

/** Parent/child pairs from the root down: `/a/b/c` -> [['/', '/a'], ['/a', '/a/b'], ['/a/b', '/a/b/c']]. */
export function hierarchyEdges(path: string): [string, string][] {
  const segments = path.split('/').filter(Boolean);
  const edges: [string, string][] = [];
  let parent = '/';
  for (const segment of segments) {
    const child = parent === '/' ? `/${segment}` : `${parent}/${segment}`;
    edges.push([parent, child]);
    parent = child;
  }
  return edges;
}

/** The live-update message: `{"path","time","value","kind","unit"}`, unit null when none. */
export function liveMessage(m: Measurement): string {
  return JSON.stringify({ path: m.path, time: m.timestamp, value: m.value, kind: m.kind, unit: m.unit });
}

/** The sorted-set member: the Rollup record as JSON, fields in schema order. */
export function rollupMember(r: Rollup): string {
  return JSON.stringify(r);
}
