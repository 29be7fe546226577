/**
 * The broker plugin's auth file: one account a line, `<username>:<hash>`, the
 * hash in Mosquitto's password_file format (`$7$<iterations>$<salt>$<hash>`,
 * registry/broker-password-hash.ts), so the registry's `broker_password_hash`
 * goes in as it is. The plugin takes the username up to the line's last `:`
 * (a device name may hold `:`, a hash never does); `#` starts a comment line.
 * Pure: no I/O.
 */
import { FleetstreamError } from '../lib/errors';

export interface AuthFileEntry {
  username: string;
  /** `$7$...` */
  passwordHash: string;
}

const hashPattern = /^\$7\$[1-9][0-9]*\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

/** The file's text; CONFIG_INVALID for an entry the plugin would skip or misread, or a username given twice. */
export function authFileText(entries: Iterable<AuthFileEntry>): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const { username, passwordHash } of entries) {
    if (username === '' || /[\r\n]/.test(username) || username.startsWith('#')) throw new FleetstreamError('CONFIG_INVALID', `"${username}" cannot be a username in the broker's auth file`);
    if (!hashPattern.test(passwordHash)) throw new FleetstreamError('CONFIG_INVALID', `the password hash of ${username} is not a $7$ hash (registry/broker-password-hash.ts, mosquitto_passwd)`);
    if (seen.has(username)) throw new FleetstreamError('CONFIG_INVALID', `${username} is in the broker's auth file twice`);
    seen.add(username);
    lines.push(`${username}:${passwordHash}\n`);
  }
  return lines.join('');
}

/** The entries of an auth file's text (mosquitto_passwd's output included); CONFIG_INVALID names a line that is none. */
export function parseAuthFile(text: string, source = 'the auth file'): AuthFileEntry[] {
  const entries: AuthFileEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const entry = { username: line.slice(0, colon), passwordHash: line.slice(colon + 1) };
    if (colon <= 0 || !hashPattern.test(entry.passwordHash)) throw new FleetstreamError('CONFIG_INVALID', `${source}, line ${index + 1}: not "<username>:<$7$ hash>"`);
    entries.push(entry);
  });
  return entries;
}
