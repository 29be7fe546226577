/**
 * API tokens: `fst_<id>_<secret>`, a public id of 16 hex digits (the row's key,
 * so a lookup is one index probe) and 32 random bytes in base64url. The
 * registry keeps the id and the SHA-256 of the whole token: a token has 256
 * random bits, so a fast hash is enough, and it costs nothing per request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenParts {
  id: string;
  sha256: Buffer;
}

const tokenPattern = /^fst_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newApiToken(): TokenParts & { token: string } {
  const id = randomBytes(8).toString('hex');
  const token = `fst_${id}_${randomBytes(32).toString('base64url')}`;
  return { token, id, sha256: digest(token) };
}

/** The id to look up and the digest to compare, or undefined when `token` is not in the token format. */
export function parseApiToken(token: string): TokenParts | undefined {
  const id = tokenPattern.exec(token)?.[1];
  return id === undefined ? undefined : { id, sha256: digest(token) };
}

export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
