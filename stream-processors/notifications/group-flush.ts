/**
 * What one flush of an aggregation group does, per receiver action: the
 * notification it sends (if the notification log says so), the log entry it
 * leaves, and which resolved alerts leave the group; and when a group flushes
 * (Alertmanager's aggregation group timers). Pure.
 *
 * Timers: a new group flushes `groupWait` after its first alert, or at once
 * when an alert of a group not yet flushed started longer than groupWait ago
 * (Alertmanager: the wait is over already); after a flush, every
 * `groupInterval`. A flush with nothing new sends nothing; the repeat
 * interval is the log's business (notification-log.ts).
 */
import type { NotificationReceiver } from '../../schemas/notification-policy';
import { needsUpdate, type LogEntry } from './notification-log';
import type { TrackedAlert } from './tracked-alert';

export interface GroupMember {
  alert: TrackedAlert;
  fingerprint: string;
  /** silenced or inhibited now */
  muted: boolean;
}

export interface PlannedNotification {
  actionIndex: number;
  /** what it tells: the firing alerts, and the resolved ones when the action wants them */
  alerts: GroupMember[];
}

export interface FlushPlan {
  notifications: PlannedNotification[];
  /** per action index: its log entry after the flush */
  log: (LogEntry | null)[];
  /** the resolved alerts this flush took care of: they leave the group */
  flushedResolved: string[];
  /** nothing fires any more: the group ends */
  ends: boolean;
}

export function planFlush(members: readonly GroupMember[], log: readonly (LogEntry | null)[], receiver: NotificationReceiver, repeatIntervalMs: number, now: number): FlushPlan {
  const audible = members.filter((m) => !m.muted);
  const firing = audible.filter((m) => m.alert.status === 'firing');
  const resolved = audible.filter((m) => m.alert.status === 'resolved');
  const firingSet = new Set(firing.map((m) => m.fingerprint));
  const resolvedSet = new Set(resolved.map((m) => m.fingerprint));
  const notifications: PlannedNotification[] = [];
  const nextLog = receiver.actions.map((action, actionIndex) => {
    const entry = log[actionIndex] ?? undefined;
    if (!needsUpdate({ entry, firing: firingSet, resolved: resolvedSet, sendResolved: action.sendResolved, repeatIntervalMs, now })) return entry ?? null;
    const alerts = action.sendResolved ? [...firing, ...resolved] : firing;
    // all resolved and the action does not want to hear it: nothing sent, and the log forgets the firing ones
    if (alerts.length > 0) notifications.push({ actionIndex, alerts });
    return { firing: [...firingSet].sort(), resolved: [...resolvedSet].sort(), at: now };
  });
  return {
    notifications,
    log: nextLog,
    flushedResolved: members.filter((m) => m.alert.status === 'resolved').map((m) => m.fingerprint),
    ends: !members.some((m) => m.alert.status === 'firing'),
  };
}

/** When a group not yet flushed flushes, given its current time for that and its members' starts. */
export function firstFlushAt(current: number | undefined, members: readonly GroupMember[], groupWaitMs: number, now: number): number {
  let at = current ?? now + groupWaitMs;
  for (const m of members) at = Math.min(at, Math.max(now, m.alert.startsAt + groupWaitMs));
  return at;
}
