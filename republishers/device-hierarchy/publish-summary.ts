/** What `fleetstream hierarchy publish` prints: one line, or the result as JSON. Pure. */
import type { NodeCounts } from './hierarchy-nodes';
import type { PublishResult } from './publish';

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function counted(counts: NodeCounts): string {
  return [plural(counts.tenants, 'tenant'), plural(counts.sites, 'site'), plural(counts.devices, 'device')].join(', ');
}

/** `hierarchy: published revision 42 as generation 7 (2 tenants, 3 sites, 120 devices; pruned 0 tenants, 1 site, 4 devices) in 85 ms` */
export function publishSummary(result: PublishResult): string {
  const replaced = result.previousGeneration === null ? 'first publish' : `pruned ${counted(result.pruned)}`;
  return `hierarchy: published revision ${result.revision} as generation ${result.generation} (${counted(result)}; ${replaced}) in ${result.ms} ms`;
}
