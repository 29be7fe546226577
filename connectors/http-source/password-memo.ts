/**
 * Password comparisons remembered: scrypt takes tens of milliseconds of CPU
 * (registry/password-hash.ts), and a device sends the same password with
 * every request. Whether a password matches a stored hash never changes (a
 * rotation stores a new hash), so the answer is kept by a SHA-256 of the
 * two, never the password; the credential cache's short TTL still sends
 * each device's check to the registry, which says which hash is current.
 * At most `maxEntries` answers, the oldest dropped first; a failed
 * comparison is not kept.
 */
import { createHash } from 'node:crypto';

export type PasswordMatcher = (password: string, stored: string) => Promise<boolean>;

export function rememberPasswordMatches(matches: PasswordMatcher, maxEntries = 100_000): PasswordMatcher {
  const answers = new Map<string, Promise<boolean>>();
  return (password, stored) => {
    const key = createHash('sha256').update(stored).update('\0').update(password).digest('base64');
    const known = answers.get(key);
    if (known) return known;
    const answer = matches(password, stored);
    answers.set(key, answer);
    if (answers.size > maxEntries) answers.delete(answers.keys().next().value as string);
    answer.catch(() => answers.delete(key));
    return answer;
  };
}
