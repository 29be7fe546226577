/**
 * What the MQTT republisher publishes: one retained message per (series,
 * resolution) for final rollups and per (rule, series) for alert states, on
 * schemas/republish-topics.ts's topics, JSON payloads. Each message has an
 * order; a message goes out only when its order is at least the order last
 * claimed for its topic, so a stale record never replaces a newer one:
 *
 * - a rollup: (window start, revision). The retained message is the newest
 *   window's newest revision; a correction of that window (a higher revision)
 *   replaces it, a correction of an older window is not republished (the
 *   topic is the series' current state, the query API has the history);
 * - an alert: (emittedAt, 0), the alerts processor's clock at the transition
 *   (its event time can go back: a no-data transition is stamped with the
 *   wall clock, a recovery with the reading's).
 *
 * Equal orders go out again: a record read again after a crash is published
 * again, idempotently, since the claim may have been made without the publish.
 * Pure.
 */
import { republishTopic, type RepublishKind } from '../../schemas/republish-topics';
import { parseSeriesPath } from '../../schemas/series-path';
import type { AlertEvent, Rollup } from '../../schemas/types';

export interface RepublishMessage {
  topic: string;
  tenant: string;
  kind: RepublishKind;
  order: MessageOrder;
  payload: string;
}

/** Compared major first; both are integers (epoch ms, a revision). */
export interface MessageOrder {
  major: number;
  minor: number;
}

export type Mapped = { message: RepublishMessage } | { skipped: 'provisional' } | { invalid: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A final rollup as published:
 *
 *   {"type":"rollup","path","tenant","site","device","metric","kind","resolution","windowStart","windowEnd","revision",
 *    "count","sum","mean","min","max","first","firstTime","last","lastTime","delta","resets","computedAt"}
 *
 * times ISO 8601; `mean` is sum/count, `delta` null but for energy series. A provisional rollup is never published.
 */
export function rollupMessage(root: string, r: Rollup): Mapped {
  if (!r.final) return { skipped: 'provisional' };
  const series = parseSeriesPath(r.path);
  if (series === undefined) return { invalid: `rollup path "${r.path}" is not /<tenant>/<site>/<device>/<metric> of valid segments` };
  // made when first read: of a batch's corrections of one series, only the newest window's newest revision is published
  let payload: string | undefined;
  const message = {
    topic: republishTopic(root, series, 'rollup', r.resolution), tenant: series.tenant, kind: 'rollup' as const, order: { major: r.windowStart, minor: r.revision },
    get payload(): string {
      const { count, sum, min, max, first, last, delta, resets } = r;
      return (payload ??= JSON.stringify({
        type: 'rollup', path: r.path, ...series, kind: r.kind, resolution: r.resolution,
        windowStart: iso(r.windowStart), windowEnd: iso(r.windowEnd), revision: r.revision,
        count, sum, mean: count > 0 ? sum / count : null, min, max, first, firstTime: iso(r.firstTime), last, lastTime: iso(r.lastTime), delta, resets,
        computedAt: iso(r.computedAt),
      }));
    },
  };
  return { message };
}

/**
 * An alert's current state as published, after every transition, resolved
 * ones included (`state: "normal"`, retained: a late subscriber learns the
 * alarm is over rather than finding nothing):
 *
 *   {"type":"alert","ruleId","path","tenant","site","device","metric","alarmId","state","transition","severity",
 *    "previousSeverity","value","reads","eventTime","episodeStart","labels","emittedAt"}
 */
export function alertMessage(root: string, e: AlertEvent): Mapped {
  const series = parseSeriesPath(e.path);
  if (series === undefined) return { invalid: `alert path "${e.path}" is not /<tenant>/<site>/<device>/<metric> of valid segments` };
  const payload = {
    type: 'alert', ruleId: e.ruleId, path: e.path, ...series, alarmId: e.alarmId, state: e.to, transition: e.transition,
    severity: e.severity, previousSeverity: e.previousSeverity, value: e.value, reads: e.reads,
    eventTime: iso(e.eventTime), episodeStart: iso(e.episodeStart), labels: e.labels, emittedAt: iso(e.emittedAt),
  };
  return {
    message: { topic: republishTopic(root, series, 'alert', e.ruleId), tenant: series.tenant, kind: 'alert', order: { major: e.emittedAt, minor: 0 }, payload: JSON.stringify(payload) },
  };
}

export function compareOrder(a: MessageOrder, b: MessageOrder): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** The newest message of each topic, in the order their topics first appear (a batch's later record of a topic wins a tie). */
export function newestPerTopic(messages: readonly RepublishMessage[]): RepublishMessage[] {
  const newest = new Map<string, RepublishMessage>();
  for (const message of messages) {
    const seen = newest.get(message.topic);
    if (seen === undefined || compareOrder(message.order, seen.order) >= 0) newest.set(message.topic, message);
  }
  return [...newest.values()];
}

/** `message` moved from the republish root `from` to `to` (a bridge's own prefix). */
export function underRoot(topic: string, from: string, to: string): string {
  return topic.startsWith(`${from}/`) ? `${to}/${topic.slice(from.length + 1)}` : topic;
}
