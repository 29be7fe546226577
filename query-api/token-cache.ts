/**
 * Verifications of registry API tokens, kept for a few seconds so that a
 * busy client costs no database round trip per request
 * (lib/verification-cache.ts). The registry notifies every token change
 * (registry/registry-change.ts); the server drops the whole cache on each,
 * so a revoked token is refused from the moment the notification arrives,
 * and at the latest `ttlMs` after the revocation when notifications are lost
 * (the listener reconnecting). Unknown tokens are kept too, so that guessing
 * costs no query either.
 */
import { createVerificationCache } from '../lib/verification-cache';
import type { TokenGrant } from '../registry';

export type VerifiedToken = TokenGrant & { id: string };

export interface TokenCache {
  verify(token: string): Promise<VerifiedToken | undefined>;
  /** Forgets every verification; one under way still answers the request that started it. */
  clear(): void;
}

export function createTokenCache(
  verify: (token: string) => Promise<VerifiedToken | undefined>,
  options: { ttlMs: number; maxEntries?: number; clock?: () => number },
): TokenCache {
  const cache = createVerificationCache<VerifiedToken | undefined>(options);
  return { verify: (token) => cache.get(token, () => verify(token)), clear: () => cache.clear() };
}
