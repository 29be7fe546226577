/**
 * The scheduler of schedule-triggered automations. Only the leader
 * (lib/advisory-leadership.ts) ticks; each tick decides, per automation, the
 * slots after its cursor (schedule-slots.ts), records the fires and the new
 * cursor in PostgreSQL, then sends their handler requests. A fire recorded
 * is never recorded again (unique per automation and slot), so two leaders
 * for a moment, or a restart, never fire a slot twice; a fire recorded and
 * not sent (the leader died in between) is sent by the next leader with the
 * same execution ids.
 */
import type { Logger } from '../../lib/logger';
import { automationKey, seriesOfConditions, type ScheduleTrigger } from '../../schemas/automation';
import type { HandlerRequest } from '../../schemas/types';
import type { LoadedAutomation } from './automation-store';
import type { AutomationsMetrics } from './automations-metrics';
import { conditionHolds } from './conditions';
import { slotTrigger } from './execution-id';
import { handlerRequestsOf } from './handler-requests';
import type { LatestValues } from './latest-values';
import type { RecordedFire, RunRecords, ScheduleCursor } from './run-records';
import { decideSlots, scheduleOf, type Schedule } from './schedule-slots';

export interface SchedulerConfig {
  records: RunRecords;
  latest: LatestValues;
  /** sends handler requests; resolves once Kafka acknowledged them all */
  dispatch(requests: HandlerRequest[]): Promise<void>;
  logger: Logger;
  metrics: AutomationsMetrics;
  now: () => number;
  tickIntervalMs: number;
  graceMs: number;
  lookbackMs: number;
}

interface Scheduled {
  automation: LoadedAutomation & { trigger: ScheduleTrigger };
  schedule: Schedule;
}

export class AutomationScheduler {
  private scheduled = new Map<string, Scheduled>();
  /** read from PostgreSQL when leadership is taken; undefined while not leading */
  private cursors: Map<string, ScheduleCursor> | undefined;
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly config: SchedulerConfig) {}

  /** The automations in force from the next tick on. */
  setAutomations(automations: readonly LoadedAutomation[]): void {
    const next = new Map<string, Scheduled>();
    for (const automation of automations) {
      if (!automation.enabled || automation.trigger.on !== 'schedule') continue;
      const key = automationKey(automation.tenant, automation.id);
      const current = this.scheduled.get(key);
      if (current && current.automation.revision === automation.revision) next.set(key, { ...current, automation: automation as Scheduled['automation'] });
      else next.set(key, { automation: automation as Scheduled['automation'], schedule: scheduleOf(automation.trigger) });
    }
    for (const [key, old] of this.scheduled) if (next.get(key)?.schedule !== old.schedule) old.schedule.close();
    this.scheduled = next;
  }

  setLeader(leader: boolean): void {
    this.leader = leader;
    this.cursors = undefined;
    this.config.metrics.leader.set(leader ? 1 : 0);
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.config.tickIntervalMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    for (const { schedule } of this.scheduled.values()) schedule.close();
  }

  private async tick(): Promise<void> {
    if (!this.leader) return;
    const { config } = this;
    if (!this.cursors) {
      try {
        const cursors = await config.records.cursors();
        await this.dispatchLeftovers();
        this.cursors = cursors;
      } catch (error) {
        config.logger.warn({ event: 'scheduler_start_failed', err: error }, 'reading the schedule cursors failed; trying again at the next tick');
        return;
      }
    }
    for (const [key, entry] of this.scheduled) {
      if (!this.leader || this.stopped) return;
      try {
        await this.tickOne(key, entry, this.cursors);
      } catch (error) {
        config.metrics.tickFailures.inc();
        config.logger.warn({ event: 'schedule_tick_failed', automation: key, err: error }, 'deciding an automation\'s slots failed; trying again at the next tick');
      }
    }
  }

  private async tickOne(key: string, { automation, schedule }: Scheduled, cursors: Map<string, ScheduleCursor>): Promise<void> {
    const { config } = this;
    const now = config.now();
    let cursor = cursors.get(key);
    // a new automation starts now; a changed one (or one removed and written again, its revision from 1) after its change
    if (!cursor || cursor.revision !== automation.revision || cursor.decidedUntil < automation.updatedAt) {
      cursor = await config.records.startCursor(automation.tenant, automation.id, automation.revision, cursor ? automation.updatedAt : now);
      cursors.set(key, cursor);
    }
    const { trigger } = automation;
    const decision = decideSlots({ schedule, policy: trigger.missedRuns, maxMissedRuns: trigger.maxMissedRuns, decidedUntil: cursor.decidedUntil, now, graceMs: config.graceMs, lookbackMs: config.lookbackMs });
    if (decision.fires.length === 0 && decision.skipped === 0) {
      // nothing decided: no slot lies between the stored cursor and now, so it need not move in PostgreSQL
      cursors.set(key, { ...cursor, decidedUntil: decision.decidedUntil });
      return;
    }
    const series = seriesOfConditions(automation.conditions);
    const values = await config.latest(series);
    const holds = conditionHolds(automation.conditions, { eventValue: undefined, latest: (path) => values.get(path) });
    const fires: RecordedFire[] = (holds ? decision.fires : []).map((fire) => {
      const trigger = slotTrigger(fire.slot);
      const details = { slot: new Date(fire.slot).toISOString(), missedSlots: fire.missedSlots, ...(series.length > 0 && { values: Object.fromEntries(values) }) };
      return { trigger, firedAt: fire.slot, missedSlots: fire.missedSlots, requests: handlerRequestsOf({ automation, trigger, firedAt: fire.slot, details }, now) };
    });
    const recorded = await config.records.record(automation.tenant, automation.id, automation.revision, decision.decidedUntil, fires);
    cursors.set(key, { revision: automation.revision, decidedUntil: decision.decidedUntil });
    if (decision.skipped > 0) {
      config.metrics.skippedSlots.inc(decision.skipped);
      config.logger.info({ event: 'slots_skipped', automation: key, skipped: decision.skipped, policy: trigger.missedRuns }, 'missed schedule slots not fired, as the missed-run policy says');
    }
    if (recorded.length === 0) return;
    await config.dispatch(recorded.flatMap((f) => f.requests));
    await config.records.dispatched(automation.tenant, automation.id, recorded.map((f) => f.trigger));
    config.metrics.fires.inc({ trigger: 'schedule' }, recorded.length);
    for (const fire of recorded) config.logger.info({ event: 'automation_fired', automation: key, trigger: fire.trigger, missedSlots: fire.missedSlots, requests: fire.requests.length }, 'automation fired');
  }

  /** Sends what a previous leader recorded and did not get acknowledged. */
  private async dispatchLeftovers(): Promise<void> {
    for (const fire of await this.config.records.undispatched()) {
      await this.config.dispatch(fire.requests);
      await this.config.records.dispatched(fire.tenant, fire.automationId, [fire.trigger]);
      this.config.logger.info({ event: 'fire_dispatched_again', automation: automationKey(fire.tenant, fire.automationId), trigger: fire.trigger }, 'a fire recorded by an earlier leader and not acknowledged is sent again');
    }
  }
}
