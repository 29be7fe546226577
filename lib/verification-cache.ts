/**
 * Answers of a costly check (a database round trip, a password hash), kept
 * for `ttlMs` so that a busy client costs none per request. Concurrent
 * lookups of one key share one check; a failed check (the database away) is
 * no answer and is not kept. Each answer may belong to a group (the device
 * it is about), forgotten at once when the source of truth says the group
 * changed. Keys may hold secrets: only their SHA-256 is kept. At most
 * `maxEntries` answers, the oldest dropped first.
 */
import { createHash } from 'node:crypto';

export interface VerificationCache<T> {
  /** The kept answer for `key`, or `check()`'s, kept under `group`. */
  get(key: string, check: () => Promise<T>, group?: string): Promise<T>;
  /** Forgets the answers of one group; a check under way still answers the request that started it. */
  forget(group: string): void;
  /** Forgets every answer. */
  clear(): void;
}

interface Entry<T> {
  expiresAt: number;
  answer: Promise<T>;
  group: string | undefined;
}

export function createVerificationCache<T>(options: { ttlMs: number; maxEntries?: number; clock?: () => number }): VerificationCache<T> {
  const { ttlMs, maxEntries = 10_000, clock = Date.now } = options;
  const entries = new Map<string, Entry<T>>();
  const groups = new Map<string, Set<string>>();
  const drop = (digest: string): void => {
    const entry = entries.get(digest);
    if (!entry) return;
    entries.delete(digest);
    const members = entry.group === undefined ? undefined : groups.get(entry.group);
    members?.delete(digest);
    if (members?.size === 0) groups.delete(entry.group!);
  };
  return {
    get(key, check, group) {
      const digest = createHash('sha256').update(key).digest('base64');
      const now = clock();
      const cached = entries.get(digest);
      if (cached && cached.expiresAt > now) return cached.answer;
      drop(digest);
      // kept from the start, so concurrent requests share one check; forget() and clear() drop it with the rest
      const answer = check();
      if (ttlMs > 0) {
        entries.set(digest, { expiresAt: now + ttlMs, answer, group });
        if (group !== undefined) groups.set(group, (groups.get(group) ?? new Set()).add(digest));
        if (entries.size > maxEntries) drop(entries.keys().next().value as string);
        answer.catch(() => {
          if (entries.get(digest)?.answer === answer) drop(digest);
        });
      }
      return answer;
    },
    forget(group) {
      for (const digest of groups.get(group) ?? []) drop(digest);
    },
    clear() {
      entries.clear();
      groups.clear();
    },
  };
}
