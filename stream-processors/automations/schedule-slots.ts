/**
 * The slots of a schedule (the instants it fires at) and what the scheduler
 * does with the slots between the newest one it decided and now. Pure but
 * for node-cron's matcher, which is pure computation.
 *
 * Invariants: a slot is a whole second (a whole minute for 5-field cron
 * expressions); a schedule's slots are the same on every instance (interval
 * slots are counted from `validity.from`, else from the epoch), so a slot
 * names one fire wherever it is computed; a slot outside the validity window
 * is not a slot at all (nothing fires, nothing is missed).
 */
import { createTask, type ScheduledTask } from 'node-cron';
import type { MissedRunPolicy, ScheduleTrigger, Weekday } from '../../schemas/automation';

export interface Schedule {
  /** The slots in (afterMs, untilMs], oldest first; at most `limit`, the newest ones when there are more. */
  slotsBetween(afterMs: number, untilMs: number, limit?: number): number[];
  /** Lets go of node-cron's task (its registry holds every task made). */
  close(): void;
}

const second = 1000;
const minute = 60 * second;

export function scheduleOf(trigger: ScheduleTrigger): Schedule {
  const valid = validityCheck(trigger);
  if (trigger.every !== undefined) {
    const every = trigger.every;
    const anchor = trigger.validity?.from ?? 0;
    return {
      slotsBetween: (after, until, limit = Number.MAX_SAFE_INTEGER) => {
        const slots: number[] = [];
        // newest first, so that a limit keeps the newest
        for (let slot = anchor + Math.floor((until - anchor) / every) * every; slot > after && slots.length < limit; slot -= every) {
          if (valid(slot)) slots.push(slot);
        }
        return slots.reverse();
      },
      close: () => undefined,
    };
  }
  const task: ScheduledTask = createTask(trigger.cron!, () => undefined, { timezone: trigger.timezone! });
  const step = trigger.cron!.trim().split(/\s+/).length === 6 ? second : minute;
  return {
    slotsBetween: (after, until, limit = Number.MAX_SAFE_INTEGER) => {
      const slots: number[] = [];
      for (let slot = Math.floor(until / step) * step; slot > after && slots.length < limit; slot -= step) {
        if (valid(slot) && task.match(new Date(slot))) slots.push(slot);
      }
      return slots.reverse();
    },
    close: () => void task.destroy(),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and the minute of the day of `ms` in `zone`. */
export function localTime(ms: number, zone: string): { weekday: Weekday; minuteOfDay: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday!.toLowerCase().slice(0, 3) as Weekday, minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute) };
}

function validityCheck(trigger: ScheduleTrigger): (ms: number) => boolean {
  const v = trigger.validity;
  if (!v) return () => true;
  return (ms) => {
    if (v.from !== undefined && ms < v.from) return false;
    if (v.until !== undefined && ms >= v.until) return false;
    if (!v.days && !v.hours) return true;
    const local = localTime(ms, trigger.timezone ?? 'UTC');
    if (v.days && !v.days.includes(local.weekday)) return false;
    if (v.hours) {
      const { fromMinute, untilMinute } = v.hours;
      const inside = fromMinute < untilMinute ? local.minuteOfDay >= fromMinute && local.minuteOfDay < untilMinute : local.minuteOfDay >= fromMinute || local.minuteOfDay < untilMinute;
      if (!inside) return false;
    }
    return true;
  };
}

/** One fire the scheduler is to record and dispatch. */
export interface PlannedFire {
  slot: number;
  /** the fire stands for missed slots (after downtime): how many; 0 for a slot on time */
  missedSlots: number;
}

export interface SlotDecision {
  fires: PlannedFire[];
  /** slots left unfired by the missed-run policy */
  skipped: number;
  /** the newest instant decided: the next tick looks after it */
  decidedUntil: number;
}

export interface TickInput {
  schedule: Schedule;
  policy: MissedRunPolicy;
  maxMissedRuns: number;
  /** the newest instant already decided */
  decidedUntil: number;
  now: number;
  /** a slot older than now minus this is missed (downtime, a leader change), not on time */
  graceMs: number;
  /** slots older than now minus this are not looked for at all (bounds the search after a long downtime) */
  lookbackMs: number;
}

/**
 * The slots in (decidedUntil, now]: those within the grace fire each; the
 * missed ones follow the policy: `skip` fires none, `fireOnce` one fire at
 * the newest missed slot standing for all of them, `fireAll` one fire per
 * missed slot, the newest `maxMissedRuns` of them.
 */
export function decideSlots(input: TickInput): SlotDecision {
  const { schedule, now, graceMs } = input;
  const after = Math.max(input.decidedUntil, now - input.lookbackMs);
  const onTimeAfter = Math.max(after, now - graceMs - 1);
  const onTime = schedule.slotsBetween(onTimeAfter, now);
  const fires: PlannedFire[] = [];
  let skipped = 0;
  if (onTimeAfter > after) {
    const missed = schedule.slotsBetween(after, onTimeAfter);
    if (input.policy === 'fireOnce' && missed.length > 0) fires.push({ slot: missed[missed.length - 1]!, missedSlots: missed.length });
    const fired = input.policy === 'fireAll' ? missed.slice(-input.maxMissedRuns) : [];
    for (const slot of fired) fires.push({ slot, missedSlots: 1 });
    skipped = input.policy === 'fireOnce' ? 0 : missed.length - fired.length;
  }
  for (const slot of onTime) fires.push({ slot, missedSlots: 0 });
  return { fires, skipped, decidedUntil: now };
}
