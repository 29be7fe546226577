/**
 * The device password as Mosquitto's password file holds it (what
 * `mosquitto_passwd` writes since Mosquitto 2.0):
 * `$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>`, a 12-byte salt
 * and a 64-byte hash. The registry keeps it beside its own scrypt hash because
 * it never keeps the password: the broker sync can hand the broker only a hash
 * the broker understands: the project's Mosquitto plugin reads it as it is
 * from its auth file (broker/auth-file.ts).
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** mosquitto_passwd's default; device passwords are 192 random bits, so more iterations would only slow the broker's connect storm. */
export const brokerHashIterations = 101;

export function brokerPasswordHash(password: string, iterations = brokerHashIterations, salt: Buffer = randomBytes(12)): string {
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` is the one the broker hash `stored` was made from (false for anything not `$7$`); constant time. */
export function brokerPasswordMatches(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[1] !== '7') return false;
  const iterations = Number(parts[2]);
  if (!Number.isSafeInteger(iterations) || iterations < 1) return false;
  const expected = Buffer.from(parts[4]!, 'base64');
  if (expected.length !== 64) return false;
  return timingSafeEqual(pbkdf2Sync(password, Buffer.from(parts[3]!, 'base64'), iterations, 64, 'sha512'), expected);
}
