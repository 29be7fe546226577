/**
 * What a device that talks HTTP is handed from its mailbox (schemas/redis-keys.ts),
 * the way an MQTT session would deliver it: retained entries (its
 * configuration, its shadow delta) every time until replaced or cleared;
 * command requests until the device answers them (it de-duplicates by id);
 * other entries (shadow answers) once. Expired entries are dropped. Pure.
 */
import { parseMailboxEntry } from '../../schemas/redis-keys';

export interface DownlinkItem {
  /** Below the device's topic root, as on MQTT: `cmd/req/<id>/<name>`, `config`, `shadow/update/delta`, ... */
  subtopic: string;
  /** The payload text, the same JSON an MQTT device receives. */
  payload: string;
}

export interface MailboxReading {
  /** Oldest first. */
  items: DownlinkItem[];
  /** Fields to delete: expired, unreadable, or handed out once. */
  remove: string[];
}

export function readMailbox(fields: Record<string, string>, now: number): MailboxReading {
  const kept: (DownlinkItem & { createdAt: number })[] = [];
  const remove: string[] = [];
  for (const [subtopic, value] of Object.entries(fields)) {
    const entry = parseMailboxEntry(value);
    if (!entry || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      remove.push(subtopic);
      continue;
    }
    kept.push({ subtopic, payload: entry.payload, createdAt: entry.createdAt });
    if (!entry.retain && !subtopic.startsWith('cmd/req/')) remove.push(subtopic);
  }
  kept.sort((a, b) => a.createdAt - b.createdAt || a.subtopic.localeCompare(b.subtopic));
  return { items: kept.map(({ subtopic, payload }) => ({ subtopic, payload })), remove };
}

/** The mailbox fields of command `commandId`'s request (`cmd/req/<id>/<name>`), whatever its name. */
export function commandRequestFields(fields: readonly string[], commandId: string): string[] {
  return fields.filter((field) => field.startsWith(`cmd/req/${commandId}/`));
}
