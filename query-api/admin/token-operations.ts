/**
 * The admin API's token operations, authorized for the caller (caller.ts): a
 * tenant's admin creates, lists and revokes its tenant's tokens; platform
 * admin tokens are created and revoked by platform admins alone.
 */
import { createToken, listTokens, revokeToken, showToken, type Registry, type TokenGrant, type TokenRecord } from '../../registry';
import { authorize, listedTenant, type Caller } from './caller';

export interface TokenOperations {
  /** The token is in this answer and nowhere else. */
  create(caller: Caller, grant: TokenGrant & { description?: string }): Promise<{ token: string; record: TokenRecord }>;
  list(caller: Caller, tenant?: string): Promise<TokenRecord[]>;
  revoke(caller: Caller, id: string): Promise<TokenRecord>;
}

export function tokenOperations(registry: Registry): TokenOperations {
  return {
    create(caller, grant) {
      authorize(caller, 'admin', grant.tenant);
      return createToken(registry, grant);
    },
    list(caller, tenant) {
      const listed = listedTenant(caller, 'admin', tenant);
      return listTokens(registry, listed === undefined ? {} : { tenant: listed });
    },
    async revoke(caller, id) {
      // a token never changes tenant, so checking before revoking is enough
      authorize(caller, 'admin', (await showToken(registry, id)).tenant);
      return revokeToken(registry, id);
    },
  };
}
