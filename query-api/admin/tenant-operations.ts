/** The admin API's reads of tenants, sites and the hierarchy, authorized for the caller (caller.ts). */
import { FleetstreamError } from '../../lib/errors';
import { listSites, listTenants, readHierarchy, showTenant, type Hierarchy, type Registry, type SiteRecord, type TenantRecord } from '../../registry';
import { authorize, listedTenant, type Caller } from './caller';

export interface TenantOperations {
  /** Every tenant for a platform admin; a tenant's token sees its own. */
  list(caller: Caller): Promise<TenantRecord[]>;
  show(caller: Caller, tenant: string): Promise<TenantRecord>;
  sites(caller: Caller, tenant: string): Promise<SiteRecord[]>;
  /** The tree, or one tenant's or site's part; a tenant's token gets its tenant's. */
  hierarchy(caller: Caller, scope: { tenant?: string; site?: string }): Promise<Hierarchy>;
}

export function tenantOperations(registry: Registry): TenantOperations {
  return {
    list: (caller) => listTenants(registry, caller.tenant === null ? undefined : [caller.tenant]),
    show(caller, tenant) {
      authorize(caller, 'read', tenant);
      return showTenant(registry, tenant);
    },
    sites(caller, tenant) {
      authorize(caller, 'read', tenant);
      return listSites(registry, tenant);
    },
    hierarchy(caller, scope) {
      const tenant = listedTenant(caller, 'read', scope.tenant);
      if (scope.site !== undefined && tenant === undefined) throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'a site is named within a tenant: give tenant as well');
      return readHierarchy(registry, tenant === undefined ? undefined : { tenant, ...(scope.site === undefined ? {} : { site: scope.site }) });
    },
  };
}
