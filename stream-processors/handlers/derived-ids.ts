/**
 * Ids derived from an execution id, so that every attempt of one execution,
 * and every replay of its request, names the same command, shadow request or
 * email: a receiver that keeps ids sees a retry as the same thing again (the
 * commands processor ignores a request whose id it already has). Name-based
 * UUIDs in the manner of RFC 9562 version 5, over SHA-256 (version 8 layout)
 * with a purpose per id. Pure.
 */
import { createHash } from 'node:crypto';

function derivedUuid(purpose: string, executionId: string): string {
  const hash = createHash('sha256').update(`fleetstream-handlers/${purpose}/${executionId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The CommandRequest id of an execution's command (a lower-case UUID, as the commands contract asks). */
export function commandIdFor(executionId: string): string {
  return derivedUuid('command', executionId);
}

/** The ShadowRequest id of an execution's desired-state change. */
export function shadowRequestIdFor(executionId: string): string {
  return derivedUuid('shadow', executionId);
}

/** An email's Message-ID (RFC 5322: `<left@right>`), the execution id on the left. */
export function messageIdFor(executionId: string, domain: string): string {
  return `<${executionId.replace(/[^A-Za-z0-9._-]/g, '_')}.handler@${domain}>`;
}
