/**
 * The notification log of one (group, receiver action), and Alertmanager's
 * rule for when a flush of the group sends a notification (its DedupStage
 * `needsUpdate`): what it last sent (the fingerprints of the firing and of
 * the resolved alerts, and when) against what the group holds now, muted
 * alerts left out. Pure.
 */

export interface LogEntry {
  firing: string[];
  resolved: string[];
  /** when it was sent, epoch ms */
  at: number;
}

export interface UpdateQuestion {
  entry: LogEntry | undefined;
  firing: ReadonlySet<string>;
  resolved: ReadonlySet<string>;
  sendResolved: boolean;
  repeatIntervalMs: number;
  now: number;
}

export function needsUpdate({ entry, firing, resolved, sendResolved, repeatIntervalMs, now }: UpdateQuestion): boolean {
  // never notified: only when something fires (resolved alerts alone are news to no one)
  if (!entry) return firing.size > 0;
  const notifiedFiring = new Set(entry.firing);
  if ([...firing].some((f) => !notifiedFiring.has(f))) return true;
  // everything resolved: tell it (whatever sendResolved says, so the log forgets the firing ones)
  // unless the receiver was never told of these alerts firing
  if (firing.size === 0) return entry.firing.length > 0;
  const notifiedResolved = new Set(entry.resolved);
  if (sendResolved && [...resolved].some((r) => !notifiedResolved.has(r))) return true;
  // Alertmanager: sent strictly before now - repeatInterval
  return entry.at < now - repeatIntervalMs;
}
