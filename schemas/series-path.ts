/**
 * The series identity: a series is named by its path
 * `/<tenant>/<site>/<device>/<metric>`, the key of every record on Kafka, of
 * every row in PostgreSQL and of every Redis key. The connector builds paths
 * here, the sinks and the query API take them apart here. Pure: no I/O.
 */

/** The device a reading comes from: the path without its metric. */
export interface DeviceAddress {
  tenant: string;
  site: string;
  device: string;
}

export interface SeriesIdentity extends DeviceAddress {
  metric: string;
}

/** Path segments: letters, digits and `_ . : - ~ @`; no `/`, no MQTT wildcards, no spaces. */
const segmentPattern = /^[A-Za-z0-9_.:~@-]{1,128}$/;

/** Why `segment` (the `name` of a path, such as `device`) cannot be a path segment, or undefined when it can. */
export function segmentProblem(name: string, segment: string): string | undefined {
  return segmentPattern.test(segment) ? undefined : `${name} "${segment}" is not a valid path segment (letters, digits, _ . : - ~ @)`;
}

/** `/<tenant>/<site>/<device>/<metric>`; the caller has checked each segment (segmentProblem). */
export function seriesPath(address: DeviceAddress, metric: string): string {
  return `/${address.tenant}/${address.site}/${address.device}/${metric}`;
}

/** The identity a path names, or undefined when it is not four valid segments. */
export function parseSeriesPath(path: string): SeriesIdentity | undefined {
  const [empty, tenant, site, device, metric, ...rest] = path.split('/');
  if (empty !== '' || rest.length > 0 || metric === undefined) return undefined;
  const series = { tenant: tenant!, site: site!, device: device!, metric };
  return Object.entries(series).every(([name, segment]) => segmentProblem(name, segment) === undefined) ? series : undefined;
}

/** What every path of a tenant starts with: `/<tenant>/`. */
export function tenantRoot(tenant: string): string {
  return `/${tenant}/`;
}

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
