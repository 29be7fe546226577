/**
 * Who a request comes from, by its `Authorization: Bearer <token>` header.
 * The query routes take the static tokens of QUERY_API_TOKENS and
 * QUERY_API_ADMIN_TOKEN, and registry tokens (`fleetstream tokens create`):
 * a tenant's token reads its tenant, whatever its role, and a platform admin
 * token reads everything. The admin API takes registry tokens only, since
 * only they carry a role. No token, or an unknown or revoked one, is a 401
 * UNAUTHENTICATED; there is no anonymous access.
 */
import { FleetstreamError } from '../lib/errors';
import { parseApiToken } from '../registry';
import type { Caller } from './admin/caller';
import type { TenantScope } from './tenant-scope';
import type { TokenCache } from './token-cache';

export interface Authenticator {
  /** The scope of a query route's request. */
  scope(authorization: string | undefined): Promise<TenantScope>;
  /** The caller of an admin API request. */
  caller(authorization: string | undefined): Promise<Caller>;
}

const howToSend = 'send an API token as "Authorization: Bearer <token>"';

/** The token of a Bearer header, or UNAUTHENTICATED. */
export function bearerToken(authorization: string | undefined): string {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) throw new FleetstreamError('UNAUTHENTICATED', `${howToSend}; tokens come from \`fleetstream tokens create\` or QUERY_API_TOKENS`);
  return match[1] as string;
}

export function createAuthenticator(staticScope: (token: string) => TenantScope | undefined, registryTokens: TokenCache): Authenticator {
  async function registryCaller(token: string): Promise<Caller | undefined> {
    // a token not in the registry's format is never looked up
    if (!parseApiToken(token)) return undefined;
    const grant = await registryTokens.verify(token);
    return grant && { tokenId: grant.id, tenant: grant.tenant, role: grant.role };
  }
  return {
    async scope(authorization) {
      const token = bearerToken(authorization);
      const scope = staticScope(token);
      if (scope) return scope;
      const caller = await registryCaller(token);
      if (!caller) throw new FleetstreamError('UNAUTHENTICATED', 'unknown or revoked API token; tokens come from `fleetstream tokens create` or QUERY_API_TOKENS');
      return caller.tenant === null ? { kind: 'admin' } : { kind: 'tenant', tenant: caller.tenant };
    },
    async caller(authorization) {
      const caller = await registryCaller(bearerToken(authorization));
      if (!caller) throw new FleetstreamError('UNAUTHENTICATED', 'unknown or revoked API token; the admin API takes registry tokens (`fleetstream tokens create`), not those of QUERY_API_TOKENS');
      return caller;
    },
  };
}
