/**
 * An alert as notifications see it: one alarm (an episode of one rule on one
 * series, the alerts processor's alarm id) with its labels, firing or
 * resolved. Its fingerprint changes with its labels, so an escalation (a new
 * `severity`) is news to the notification log, as a new label set is to
 * Alertmanager. Pure.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/tenant-documents';
import type { Labels } from '../../schemas/label-matchers';
import { parseSeriesPath } from '../../schemas/series-path';
import type { AlertEvent } from '../../schemas/types';

export type AlertStatus = 'firing' | 'resolved';

export interface TrackedAlert {
  alarmId: string;
  tenant: string;
  labels: Labels;
  status: AlertStatus;
  /** when it started firing (the event time of the first firing transition seen), as Prometheus's startsAt */
  startsAt: number;
  /** when it resolved; null while firing */
  endsAt: number | null;
  /** the value that made its last transition */
  value: number | null;
}

/** The rule's labels, then what the event says of the alert (which wins over a rule label of the same name). */
export function labelsOf(event: AlertEvent): Record<string, string> {
  const series = parseSeriesPath(event.path);
  const own: Record<string, string> = { tenant: event.tenant, rule: event.ruleId, path: event.path };
  if (series) Object.assign(own, { site: series.site, device: series.device, metric: series.metric });
  if (event.severity !== null) own.severity = event.severity;
  return { ...event.labels, ...own };
}

/**
 * What an alert event makes of the alarm's tracked state: firing (firing,
 * recovering, no data), resolved, or forgotten (cancelled); pending is not an
 * alert yet. startsAt is the firing time, not the episode's start (which
 * counts the pending hold time): a group's groupWait is cut short for an
 * alert that started longer ago (group-flush.ts), and a rule's `for` must not do that.
 */
export type AlertChange = { kind: 'firing'; alert: TrackedAlert } | { kind: 'resolved'; alarmId: string; endsAt: number; value: number | null } | { kind: 'forget'; alarmId: string } | { kind: 'none' };

export function changeOf(event: AlertEvent): AlertChange {
  if (event.to === 'firing' || event.to === 'recovering' || event.to === 'no_data') {
    return { kind: 'firing', alert: { alarmId: event.alarmId, tenant: event.tenant, labels: labelsOf(event), status: 'firing', startsAt: event.eventTime, endsAt: null, value: event.value } };
  }
  if (event.transition === 'resolved') return { kind: 'resolved', alarmId: event.alarmId, endsAt: event.eventTime, value: event.value };
  if (event.transition === 'cancelled') return { kind: 'forget', alarmId: event.alarmId };
  return { kind: 'none' };
}

/** Identifies (alarm, label set): what the notification log remembers as notified. */
export function fingerprintOf(alert: Pick<TrackedAlert, 'alarmId' | 'labels'>): string {
  return createHash('sha256').update(canonicalJson([alert.alarmId, alert.labels])).digest('hex').slice(0, 16);
}
