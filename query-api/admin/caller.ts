/**
 * Who calls the admin API and what they may do, decided in one place for
 * REST and GraphQL alike. A caller is an API token of the registry: a platform
 * admin (no tenant) may do everything; a tenant's `admin` token reads and
 * writes inside its tenant; its `read` token only reads there. API tokens are
 * access control rather than data, so listing them needs `admin` too. Pure.
 */
import { FleetstreamError } from '../../lib/errors';
import type { TokenGrant, TokenRole } from '../../registry';

export interface Caller extends TokenGrant {
  /** the id of the token the request came with */
  tokenId: string;
}

function describe(caller: Caller): string {
  return caller.tenant === null ? 'a platform admin token' : `a ${caller.role} token of tenant ${caller.tenant}`;
}

/**
 * Throws unless `caller` holds `needs` over what belongs to `tenant` (null:
 * the platform's own, such as a platform admin token): TENANT_FORBIDDEN for
 * another tenant's, ROLE_FORBIDDEN for a write with a read token.
 */
export function authorize(caller: Caller, needs: TokenRole, tenant: string | null): void {
  if (caller.tenant === null) return;
  if (tenant !== caller.tenant) {
    throw new FleetstreamError('TENANT_FORBIDDEN', `${describe(caller)} reaches tenant ${caller.tenant} only, not ${tenant === null ? 'the platform as a whole (that takes a platform admin token: `fleetstream tokens create --platform-admin`)' : `tenant ${tenant}`}`);
  }
  if (needs === 'admin' && caller.role !== 'admin') {
    throw new FleetstreamError('ROLE_FORBIDDEN', `${describe(caller)} reads only; this needs an admin token of tenant ${tenant} (\`fleetstream tokens create --tenant ${tenant} --role admin\`)`);
  }
}

/**
 * The tenant a listing is narrowed to: the one asked for, once authorized, or
 * for a tenant's token its own tenant; undefined (every tenant) for a platform
 * admin who asked for none.
 */
export function listedTenant(caller: Caller, needs: TokenRole, asked: string | undefined): string | undefined {
  const tenant = asked ?? caller.tenant ?? undefined;
  authorize(caller, needs, tenant ?? null);
  return tenant;
}
