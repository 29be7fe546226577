/**
 * The control-configuration contract (issue 16, item 3), what the API, the
 * configuration processor and the firmware share:
 *
 * - retained `{base}/config`: `{"config": {...}, "sha256": "<hex>", "version": n}`,
 *   where sha256 is the hex SHA-256 of the canonical JSON of `config`;
 * - `{base}/config/ack`: `{"version": n, "sha256": "<hex>", "status": "applied"|"rejected"|"failed", "detail": "..."}`;
 * - `{base}/status`: retained `online`, and `offline` as the device's last will.
 *
 * Only an acknowledgement whose version and sha256 both match the device's
 * current desired configuration moves its state. Pure: no I/O.
 */
import { createHash } from 'node:crypto';

/**
 * A device's configuration state: PENDING until the retained configuration
 * was published while the device was online (or it came online after it
 * was published): DELIVERED; then what the device answered, or TIMED_OUT
 * when nothing matching came by the deadline.
 */
export const configStates = ['PENDING', 'DELIVERED', 'APPLIED', 'REJECTED', 'FAILED', 'TIMED_OUT'] as const;
export type ConfigState = (typeof configStates)[number];

export const configAckStatuses = ['applied', 'rejected', 'failed'] as const;
export type ConfigAckStatus = (typeof configAckStatuses)[number];

/** The state a matching acknowledgement of each status moves a device to. */
export const stateOfAck: Record<ConfigAckStatus, ConfigState> = { applied: 'APPLIED', rejected: 'REJECTED', failed: 'FAILED' };

/** States that still wait for the device's answer: re-delivered until the deadline. */
export function awaitsAnswer(state: ConfigState | null): boolean {
  return state === 'PENDING' || state === 'DELIVERED';
}

export interface ConfigAck {
  version: number;
  sha256: string;
  status: ConfigAckStatus;
  detail: string;
}

/** The longest `detail` kept of an acknowledgement; the rest is cut. */
export const maxAckDetailLength = 1024;

// a UTF-16 code unit of a surrogate pair standing alone: no Unicode text, and I-JSON (RFC 7493) refuses it
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The canonical JSON of a JSON value, as RFC 8785 (JCS) defines it: object
 * keys sorted by their UTF-16 code units (what `Array.prototype.sort` compares),
 * no whitespace, numbers and strings serialized as ECMAScript's JSON.stringify
 * does (the RFC adopts its number and string rules). Throws for what JSON
 * cannot hold (undefined, functions, NaN, Infinity, lone surrogates).
 *
 * Why not the `canonicalize` package: this is the whole algorithm, and refusing
 * what is not I-JSON (the package serializes `undefined` members away and
 * calls `toJSON`) matters for a hash both sides must agree on.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (loneSurrogate.test(value)) throw new TypeError('a string holds a lone surrogate, which I-JSON refuses');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${canonicalJson(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  throw new TypeError(`a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value} has no JSON form`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The retained `{base}/config` payload, from the document's canonical JSON as
 * stored (so the bytes hashed are the bytes sent). Its keys are written in
 * sorted order, so the payload is canonical JSON itself.
 */
export function configPayload(version: number, sha256: string, canonicalConfig: string): Buffer {
  return Buffer.from(`{"config":${canonicalConfig},"sha256":${JSON.stringify(sha256)},"version":${version}}`, 'utf8');
}

/** A `{base}/config/ack` payload, or what is wrong with it. */
export function parseConfigAck(payload: Buffer): { ack: ConfigAck } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { problem: 'the acknowledgement is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'the acknowledgement is not a JSON object' };
  const { version, sha256, status, detail } = value as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return { problem: '"version" is not a whole number of at least 1' };
  if (typeof sha256 !== 'string' || sha256 === '') return { problem: '"sha256" is not a non-empty string' };
  if (typeof status !== 'string' || !(configAckStatuses as readonly string[]).includes(status)) return { problem: `"status" is not one of ${configAckStatuses.join(', ')}` };
  if (detail !== undefined && detail !== null && typeof detail !== 'string') return { problem: '"detail" is not a string' };
  return { ack: { version, sha256, status: status as ConfigAckStatus, detail: (detail ?? '').slice(0, maxAckDetailLength) } };
}

/** A `{base}/status` payload: `online` or `offline` (surrounding whitespace ignored), or undefined for anything else. */
export function parsePresence(payload: Buffer): 'online' | 'offline' | undefined {
  const text = payload.toString('utf8').trim();
  return text === 'online' || text === 'offline' ? text : undefined;
}
