/**
 * The events webhooks carry, made from the source topics' records. An event
 * as sent is Standard Webhooks' recommended payload shape:
 *
 *   {"type": "measurement", "timestamp": "<event time, ISO 8601>", "data": {...}}
 *
 * `data` is thin (identifiers and times) or full (the whole record), as the
 * subscription asks (schemas/webhooks.ts). The event time is the reading's
 * timestamp, a rollup window's start, a command's finish, an alert
 * transition's event time. Pure.
 */
import { finalCommandStates } from '../../schemas/commands';
import type { WebhookEventType, WebhookPayloadKind } from '../../schemas/webhooks';
import type { AlertEvent, CommandStatus, Measurement, Rollup } from '../../schemas/types';

export interface WebhookEvent {
  type: WebhookEventType;
  tenant: string;
  /** What path filters match: the series path, or for a command its device's `/<tenant>/<site>/<device>`. */
  path: string;
  /** Event time, epoch ms. */
  time: number;
  thin: Record<string, unknown>;
  full: Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function measurementEvent(m: Measurement): WebhookEvent {
  const thin = { path: m.path, timestamp: iso(m.timestamp) };
  return {
    type: 'measurement',
    tenant: m.tenant,
    path: m.path,
    time: m.timestamp,
    thin,
    full: { ...thin, tenant: m.tenant, site: m.site, device: m.device, metric: m.metric, kind: m.kind, value: m.value, unit: m.unit, tags: m.tags, receivedAt: iso(m.receivedAt) },
  };
}

/** A final rollup (a correction is final too, with a higher revision); a provisional one is no event. */
export function rollupEvent(r: Rollup): WebhookEvent | undefined {
  if (!r.final) return undefined;
  const type = `rollup.${r.resolution}`;
  if (type !== 'rollup.1m' && type !== 'rollup.1h' && type !== 'rollup.1d') return undefined;
  const thin = { path: r.path, resolution: r.resolution, windowStart: iso(r.windowStart), windowEnd: iso(r.windowEnd), revision: r.revision };
  const { count, sum, min, max, first, last, delta, resets } = r;
  return {
    type,
    tenant: r.tenant,
    path: r.path,
    time: r.windowStart,
    thin,
    full: {
      ...thin, tenant: r.tenant, site: r.site, device: r.device, metric: r.metric, kind: r.kind,
      count, sum, mean: count > 0 ? sum / count : null, min, max, first, firstTime: iso(r.firstTime), last, lastTime: iso(r.lastTime), delta, resets, computedAt: iso(r.computedAt),
    },
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A command that finished; the statuses before (QUEUED, SENT, ACKED) are no event. */
export function commandAnswerEvent(s: CommandStatus): WebhookEvent | undefined {
  if (!finalCommandStates.has(s.state)) return undefined;
  const finished = s.finishedAt ?? s.updatedAt;
  const thin = { id: s.id, tenant: s.tenant, site: s.site, device: s.device, name: s.name, state: s.state, finishedAt: iso(finished) };
  return {
    type: 'command.answer',
    tenant: s.tenant,
    path: `/${s.tenant}/${s.site}/${s.device}`,
    time: finished,
    thin,
    // the device's answer: its JSON when it is JSON, else its text (as the commands API shows it)
    full: { ...thin, params: parsed(s.params), answer: s.answer === null ? null : parsed(s.answer.toString('utf8')), reason: s.reason, caller: s.caller, createdAt: iso(s.createdAt), sentAt: s.sentAt === null ? null : iso(s.sentAt) },
  };
}

/**
 * Every transition of an alert (pending, firing, escalated, recovering,
 * resolved, no_data, ...): `transition` and `to` say which, `alarmId` ties an
 * episode's events together. Thin: what identifies it and where it went.
 */
export function alertEvent(a: AlertEvent): WebhookEvent {
  const thin = { alarmId: a.alarmId, ruleId: a.ruleId, path: a.path, transition: a.transition, status: a.to, severity: a.severity, eventTime: iso(a.eventTime) };
  return {
    type: 'alert',
    tenant: a.tenant,
    path: a.path,
    time: a.eventTime,
    thin,
    full: { ...thin, tenant: a.tenant, from: a.from, previousSeverity: a.previousSeverity, value: a.value, reads: a.reads, episodeStart: iso(a.episodeStart), labels: a.labels, emittedAt: iso(a.emittedAt) },
  };
}

/** One event as sent. */
export function eventJson(event: WebhookEvent, payload: WebhookPayloadKind): { type: string; timestamp: string; data: Record<string, unknown> } {
  return { type: event.type, timestamp: iso(event.time), data: payload === 'full' ? event.full : event.thin };
}

/**
 * The body of one request. A subscription with maxBatch 1 gets each event as
 * its body; one with a larger maxBatch gets every body as a batch, even of one
 * event, so its receiver parses one shape:
 *
 *   {"type": "batch", "timestamp": "<first event's time>", "data": {"events": [<event>, ...]}}
 */
export function messageBody(events: readonly WebhookEvent[], payload: WebhookPayloadKind, maxBatch: number): string {
  if (maxBatch === 1 && events.length === 1) return JSON.stringify(eventJson(events[0]!, payload));
  const first = Math.min(...events.map((e) => e.time));
  return JSON.stringify({ type: 'batch', timestamp: iso(first), data: { events: events.map((e) => eventJson(e, payload)) } });
}
