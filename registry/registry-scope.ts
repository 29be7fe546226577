/** A tenant, or one site of it: what listings narrow to (`devices list acme/plant1`). */
import { FleetstreamError } from '../lib/errors';
import { checkedName } from './device-address';

export interface RegistryScope {
  tenant: string;
  site?: string;
}

/** `<tenant>` or `<tenant>/<site>`, or NAME_INVALID. */
export function parseRegistryScope(text: string): RegistryScope {
  const parts = text.split('/');
  if (parts.length > 2) throw new FleetstreamError('NAME_INVALID', `"${text}" is not a tenant or site: write <tenant> or <tenant>/<site>`);
  const [tenant, site] = parts as [string, string | undefined];
  return site === undefined ? { tenant: checkedName('tenant', tenant) } : { tenant: checkedName('tenant', tenant), site: checkedName('site', site) };
}

/** The `where` clause over `tenant` and `site` columns that keeps a scope's rows (none: every row), and its values from $1. */
export function scopeFilter(scope: RegistryScope | undefined): { filter: string; values: string[] } {
  if (scope === undefined) return { filter: '', values: [] };
  if (scope.site === undefined) return { filter: 'where tenant = $1', values: [scope.tenant] };
  return { filter: 'where tenant = $1 and site = $2', values: [scope.tenant, scope.site] };
}
