/**
 * The Redis layout the redis-sink writes and the query API reads, every key
 * and channel under one prefix (`fleet:` by default):
 *
 * - `<prefix>latest:<path>`, a hash: the newest reading of a series by event
 *   time, fields `time`, `value`, `kind`, `unit` ('' for none) and `receivedAt`,
 *   numbers in decimal (written by the redis-sink's `setLatest` script);
 * - `<prefix>live:<path>`, a channel: each reading that became the latest, as
 *   the JSON of `liveMessage`;
 * - `<prefix>rollups:<resolution>:<path>`, a sorted set: recent Rollup records
 *   as JSON, scored by window start;
 * - `<prefix>children:<path>`, a set: the child paths one level below a path
 *   (`children:/` holds the tenants);
 * - `<prefix>hierarchy:...`: the registry's device hierarchy with metadata,
 *   which `fleetstream hierarchy publish` writes (schemas/redis-hierarchy.ts);
 * - `<prefix>mailbox:<tenant>/<site>/<device>`, a hash: what the platform has
 *   for a device that talks HTTP, one field per downlink subtopic (the
 *   retained `config` and `shadow/update/delta`, shadow answers, and
 *   `cmd/req/<id>/<name>` for each command not yet answered), values the JSON of
 *   `mailboxEntry`; written by the redis-sink from fleet.downlink.v1, read and
 *   pruned by the http-source;
 * - `<prefix>mailbox-notify:<tenant>/<site>/<device>`, a channel: the subtopic
 *   of each mailbox change, for a device's request waiting for one;
 * - `<prefix>http-device:<tenant>/<site>/<device>`, a string with a TTL: set by
 *   the http-source on each of the device's requests; commands are kept in the
 *   mailboxes of such devices only (MQTT devices get theirs from the broker).
 *
 * Pure functions, so both sides are pinned by unit tests.
 */
import type { DownlinkMessage, Measurement, Rollup } from './types';

export const latestKey = (prefix: string, path: string) => `${prefix}latest:${path}`;
export const liveChannel = (prefix: string, path: string) => `${prefix}live:${path}`;
export const rollupsKey = (prefix: string, resolution: string, path: string) => `${prefix}rollups:${resolution}:${path}`;
export const childrenKey = (prefix: string, parentPath: string) => `${prefix}children:${parentPath}`;

export const mailboxKey = (prefix: string, deviceKey: string) => `${prefix}mailbox:${deviceKey}`;
export const mailboxChannel = (prefix: string, deviceKey: string) => `${prefix}mailbox-notify:${deviceKey}`;
export const httpDeviceKey = (prefix: string, deviceKey: string) => `${prefix}http-device:${deviceKey}`;

/**
 * A mailbox field's value: the payload as text (every downlink payload is JSON
 * text), whether it is retained (kept until replaced or cleared, as on MQTT;
 * otherwise handed out once, or, for a command request, until answered) and
 * when it stops counting.
 */
export interface MailboxEntry {
  payload: string;
  retain: boolean;
  expiresAt: number | null;
  createdAt: number;
}

export function mailboxEntry(m: Pick<DownlinkMessage, 'payload' | 'retain' | 'expiresAt' | 'createdAt'>): string {
  return JSON.stringify({ payload: m.payload.toString('utf8'), retain: m.retain, expiresAt: m.expiresAt, createdAt: m.createdAt } satisfies MailboxEntry);
}

/** The entry a mailbox field holds, or undefined for a value that is not one. */
export function parseMailboxEntry(value: string): MailboxEntry | undefined {
  try {
    const entry = JSON.parse(value) as Partial<MailboxEntry>;
    if (typeof entry.payload !== 'string' || typeof entry.retain !== 'boolean' || typeof entry.createdAt !== 'number' || !(entry.expiresAt === null || typeof entry.expiresAt === 'number')) return undefined;
    return { payload: entry.payload, retain: entry.retain, expiresAt: entry.expiresAt, createdAt: entry.createdAt };
  } catch {
    return undefined;
  }
}

/** Escapes Redis glob characters so a path prefix matches itself only. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The PSUBSCRIBE pattern of the live channels of every path starting with `pathPrefix`. */
export function liveChannelPattern(prefix: string, pathPrefix: string): string {
  return `${escapeGlob(liveChannel(prefix, pathPrefix))}*`;
}

/** The latest reading of a series, as its hash holds it. */
export interface LatestValue {
  path: string;
  time: number;
  value: number;
  kind: string;
  unit: string | null;
  receivedAt: number;
}

/** The latest value in a hash read back with HGETALL, or undefined when the series has none. */
export function latestFromHash(path: string, fields: Record<string, string>): LatestValue | undefined {
  if (fields.time === undefined || fields.value === undefined) return undefined;
  return {
    path,
    time: Number(fields.time),
    value: Number(fields.value),
    kind: fields.kind ?? '',
    unit: fields.unit ? fields.unit : null,
    receivedAt: Number(fields.receivedAt ?? fields.time),
  };
}

/** A live update: `{"path","time","value","kind","unit"}`, unit null when none. */
export interface LiveValue {
  path: string;
  time: number;
  value: number;
  kind: string;
  unit: string | null;
}

export function liveMessage(m: Measurement): string {
  return JSON.stringify({ path: m.path, time: m.timestamp, value: m.value, kind: m.kind, unit: m.unit });
}

/** The update a live message carries; the path is the channel's, not the message's. Throws when the message is not JSON. */
export function parseLiveMessage(prefix: string, channel: string, message: string): LiveValue {
  const parsed = JSON.parse(message) as Partial<LiveValue>;
  return { path: channel.slice(liveChannel(prefix, '').length), time: Number(parsed.time), value: Number(parsed.value), kind: String(parsed.kind ?? ''), unit: parsed.unit ?? null };
}

/** The sorted-set member: the Rollup record as JSON, fields in schema order. */
export function rollupMember(r: Rollup): string {
  return JSON.stringify(r);
}
