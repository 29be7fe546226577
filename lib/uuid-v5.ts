/**
 * UUID version 5 (RFC 9562: SHA-1 of a namespace and a name): the same name
 * in the same namespace always gives the same id, which is what makes
 * execution ids (automations, notifications) idempotency keys.
 */
import { createHash } from 'node:crypto';

/** `namespace`: 16 bytes, one per kind of id, so ids of different kinds never collide. */
export function uuidV5(namespace: Buffer, name: string): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
