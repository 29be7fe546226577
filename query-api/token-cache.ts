/**
 * Verifications of registry API tokens, kept for a few seconds so that a
 * busy client costs no database round trip per request. The registry
 * notifies every token change (registry/registry-change.ts); the server
 * drops the whole cache on each, so a revoked token is refused from the
 * moment the notification arrives, and at the latest `ttlMs` after the
 * revocation when notifications are lost (the listener reconnecting).
 * Unknown tokens are kept too, so that guessing costs no query either; the
 * cache holds at most `maxEntries`, the oldest dropped first.
 */
import { createHash } from 'node:crypto';
import type { TokenGrant } from '../registry';

export type VerifiedToken = TokenGrant & { id: string };

export interface TokenCache {
  verify(token: string): Promise<VerifiedToken | undefined>;
  /** Forgets every verification; one under way still answers the request that started it. */
  clear(): void;
}

interface Entry {
  expiresAt: number;
  grant: Promise<VerifiedToken | undefined>;
}

export function createTokenCache(
  verify: (token: string) => Promise<VerifiedToken | undefined>,
  options: { ttlMs: number; maxEntries?: number; clock?: () => number },
): TokenCache {
  const { ttlMs, maxEntries = 10_000, clock = Date.now } = options;
  const entries = new Map<string, Entry>();
  return {
    verify(token) {
      const key = createHash('sha256').update(token).digest('base64');
      const now = clock();
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now) return cached.grant;
      entries.delete(key);
      // kept from the start, so concurrent requests share one verification; clear() drops it with the rest
      const grant = verify(token);
      if (ttlMs > 0) {
        entries.set(key, { expiresAt: now + ttlMs, grant });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
        // a failed verification (the database away) is no answer to keep
        grant.catch(() => {
          if (entries.get(key)?.grant === grant) entries.delete(key);
        });
      }
      return grant;
    },
    clear() {
      entries.clear();
    },
  };
}
