/**
 * Password hashes for device credentials: scrypt with a random salt, written
 * `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url) so the parameters travel with
 * the hash and can be raised later without invalidating stored ones.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  /** CPU/memory cost, a power of two */
  N: number;
  r: number;
  p: number;
}

/**
 * 1 MiB, about 2 ms on one core. Device passwords are 192 random bits the
 * registry generates (no person picks one), so guessing them is hopeless at
 * any hash cost: a slow hash protects guessable secrets. Node's default
 * (N = 16,384, about 40 ms) made provisioning CPU-bound: 500 devices took
 * 23 s, against 6.6 s now (`simulate --provision`, busy machine). Stored
 * hashes keep their own parameters and still verify.
 */
export const defaultScryptParameters: ScryptParameters = { N: 1024, r: 8, p: 1 };

const saltBytes = 16;
const hashBytes = 32;

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { ...parameters, maxmem: 256 * parameters.N * parameters.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, hashBytes, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string, parameters: ScryptParameters = defaultScryptParameters): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, parameters);
  return ['scrypt', parameters.N, parameters.r, parameters.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `password` is the one `stored` was made from; false for a hash in any other format. Compares in constant time. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== hashBytes) return false;
  return timingSafeEqual(await derive(password, salt, { N, r, p }), expected);
}
