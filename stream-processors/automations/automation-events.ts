/**
 * What the event automations read, made one shape: an event of a kind, its
 * tenant, its subject (the series path, or the device's `/<tenant>/<site>/<device>`,
 * whose dampening state it counts in), its time, its value for a condition,
 * and what the handlers are told of it. Matching an event against an
 * automation's trigger is here too. Pure.
 */
import { compilePattern, type PathMatcher } from '../../schemas/series-pattern';
import type { Automation, EventTrigger } from '../../schemas/automation';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import type { AlertEvent, CommandStatus, DeviceMessage, Measurement, Rollup } from '../../schemas/types';

export type AutomationEvent =
  | { kind: 'readings'; tenant: string; subject: string; time: number; measurement: Measurement }
  | { kind: 'rollups'; tenant: string; subject: string; time: number; rollup: Rollup }
  | { kind: 'alerts'; tenant: string; subject: string; time: number; alert: AlertEvent }
  | { kind: 'command_answers'; tenant: string; subject: string; time: number; status: CommandStatus }
  | { kind: 'presence'; tenant: string; subject: string; time: number; online: boolean };

export type EventKind = AutomationEvent['kind'];

/** An input record that decodes but is no valid event: dead-lettered with its reason (others that fail to decode: `undecodable`). */
export class RejectedInput extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

const finalCommandStates = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED']);

const devicePath = (d: { tenant: string; site: string; device: string }) => `/${d.tenant}/${d.site}/${d.device}`;

export function readingEvent(measurement: Measurement): AutomationEvent {
  return { kind: 'readings', tenant: measurement.tenant, subject: measurement.path, time: Number(measurement.timestamp), measurement };
}

/** A final rollup's event; a provisional one is none (undefined): only final rollups trigger. */
export function rollupEvent(rollup: Rollup): AutomationEvent | undefined {
  return rollup.final ? { kind: 'rollups', tenant: rollup.tenant, subject: rollup.path, time: Number(rollup.windowEnd), rollup } : undefined;
}

export function alertEvent(alert: AlertEvent): AutomationEvent {
  return { kind: 'alerts', tenant: alert.tenant, subject: alert.path, time: Number(alert.eventTime), alert };
}

/** A command's answer: its status once final; an open one (queued, sent, acknowledged) is no event. */
export function commandAnswerEvent(status: CommandStatus): AutomationEvent | undefined {
  if (!finalCommandStates.has(status.state)) return undefined;
  return { kind: 'command_answers', tenant: status.tenant, subject: devicePath(status), time: Number(status.finishedAt ?? status.updatedAt), status };
}

/** A device's presence (its `status` message): undefined for another device message; throws for a status neither online nor offline. */
export function presenceEvent(message: DeviceMessage): AutomationEvent | undefined {
  if (message.kind !== 'status') return undefined;
  const text = message.payload.toString('utf8').trim();
  if (text !== 'online' && text !== 'offline') throw new RejectedInput('invalid_presence', `a device's status is online or offline, not ${JSON.stringify(text.slice(0, 40))}`);
  return { kind: 'presence', tenant: message.tenant, subject: devicePath(message), time: Number(message.receivedAt), online: text === 'online' };
}

/** The event's value for a condition (`value: '> 80'`): a reading's value, a rollup field, an alert's value; none for the others. */
export function eventValue(trigger: EventTrigger, event: AutomationEvent): number | undefined {
  if (event.kind === 'readings') return event.measurement.value;
  if (event.kind === 'alerts') return event.alert.value ?? undefined;
  if (event.kind !== 'rollups' || trigger.on !== 'rollups') return undefined;
  const r = event.rollup;
  switch (trigger.field) {
    case 'mean':
      return r.count > 0 ? r.sum / r.count : undefined;
    case 'delta':
      return r.delta ?? undefined;
    default:
      return r[trigger.field as 'sum' | 'count' | 'min' | 'max' | 'first' | 'last'];
  }
}

/** What the handlers are told of the event (JSON-safe). */
export function eventDetails(event: AutomationEvent): Record<string, unknown> {
  const time = new Date(event.time).toISOString();
  switch (event.kind) {
    case 'readings':
      return { event: { kind: event.kind, path: event.subject, time, value: event.measurement.value, unit: event.measurement.unit } };
    case 'rollups': {
      const { path, resolution, windowStart, count, sum, min, max, first, last, delta } = event.rollup;
      return { event: { kind: event.kind, path, resolution, windowStart: new Date(Number(windowStart)).toISOString(), time, count, sum, min, max, first, last, delta } };
    }
    case 'alerts': {
      const { alarmId, ruleId, path, transition, severity, value, labels } = event.alert;
      return { event: { kind: event.kind, alarmId, ruleId, path, transition, severity, value, labels, time } };
    }
    case 'command_answers': {
      const { id, name, state, reason, answer } = event.status;
      return { event: { kind: event.kind, device: event.subject, commandId: id, name, state, reason, answer: answer?.toString('utf8') ?? null, time } };
    }
    case 'presence':
      return { event: { kind: event.kind, device: event.subject, status: event.online ? 'online' : 'offline', time } };
  }
}

/** The event automations in force, by the kind of event they read, their patterns compiled. */
export class EventBook {
  private readonly byKind = new Map<EventKind, { automation: Automation & { trigger: EventTrigger }; match: (event: AutomationEvent) => boolean }[]>();

  constructor(automations: readonly Automation[]) {
    for (const automation of automations) {
      if (!automation.enabled || automation.trigger.on === 'schedule') continue;
      const trigger = automation.trigger;
      const entry = { automation: automation as Automation & { trigger: EventTrigger }, match: matcherOf(automation.tenant, trigger) };
      this.byKind.set(trigger.on, [...(this.byKind.get(trigger.on) ?? []), entry]);
    }
  }

  reads(kind: EventKind): boolean {
    return this.byKind.has(kind);
  }

  get size(): number {
    return [...this.byKind.values()].reduce((n, list) => n + list.length, 0);
  }

  /** The automations whose trigger the event matches. */
  matching(event: AutomationEvent): (Automation & { trigger: EventTrigger })[] {
    return (this.byKind.get(event.kind) ?? []).filter((e) => e.match(event)).map((e) => e.automation);
  }
}

function anyOf(patterns: readonly string[] | undefined): PathMatcher {
  if (!patterns) return () => true;
  const matchers = patterns.map(compilePattern);
  return (path) => matchers.some((m) => m(path));
}

const within = <T>(allowed: readonly T[] | undefined, value: T) => !allowed || allowed.includes(value);

function matcherOf(tenant: string, trigger: EventTrigger): (event: AutomationEvent) => boolean {
  const paths = anyOf('series' in trigger ? trigger.series : 'devices' in trigger ? trigger.devices : undefined);
  const inTenant = (event: AutomationEvent) => event.tenant === tenant && paths(event.subject);
  switch (trigger.on) {
    case 'readings':
      return inTenant;
    case 'rollups':
      return (e) => e.kind === 'rollups' && e.rollup.resolution === trigger.resolution && inTenant(e);
    case 'alerts':
      return (e) => e.kind === 'alerts' && inTenant(e) && within(trigger.rules, e.alert.ruleId) && within(trigger.transitions, e.alert.transition) && (!trigger.severities || (e.alert.severity !== null && trigger.severities.includes(e.alert.severity)));
    case 'command_answers':
      return (e) => e.kind === 'command_answers' && inTenant(e) && within(trigger.commands, e.status.name) && within(trigger.states as string[], e.status.state);
    case 'presence':
      return (e) => e.kind === 'presence' && inTenant(e) && within(trigger.status, e.online ? 'online' : 'offline');
  }
}
