/**
 * The leader's evaluation, every tick: the tracked alerts, the groups stored
 * and the silences in force are read; the groups the alerts make now are
 * assembled (group-assembly.ts); new groups start with their groupWait
 * timer, due groups flush (group-flush.ts), each flush recorded with its
 * group's new state before its handler requests are sent; resolved alarms
 * no group still has to tell of are forgotten. All state is in PostgreSQL,
 * so a new leader (a restart, a failover) goes on with the same timers and
 * logs, and first sends what its predecessor recorded and did not get
 * acknowledged, with the same execution ids.
 */
import type { Logger } from '../../lib/logger';
import { PeriodicRounds } from '../../lib/periodic-rounds';
import type { NotificationPolicy } from '../../schemas/notification-policy';
import type { HandlerRequest } from '../../schemas/types';
import type { AlertStore } from './alert-store';
import { assembleGroups, groupName, type LiveGroup } from './group-assembly';
import { firstFlushAt, planFlush } from './group-flush';
import type { GroupStore, StoredGroup } from './group-store';
import { handlerRequestsOf } from './notification-requests';
import type { NotificationsMetrics } from './notifications-metrics';
import type { SilenceStore } from '../../schemas/silence-store';
import { activeSilences } from './silences';

export interface FlusherConfig {
  alerts: AlertStore;
  groups: GroupStore;
  silences: SilenceStore;
  /** the policies in force, by tenant */
  policies(): ReadonlyMap<string, NotificationPolicy>;
  /** sends handler requests; resolves once Kafka acknowledged them all */
  dispatch(requests: HandlerRequest[]): Promise<void>;
  logger: Logger;
  metrics: NotificationsMetrics;
  now: () => number;
  tickIntervalMs: number;
}

export class NotificationFlusher {
  private leader = false;
  /** whether this leadership sent what earlier leaders left unacknowledged */
  private caughtUp = false;
  private stopped = false;
  private readonly rounds: PeriodicRounds;

  constructor(private readonly config: FlusherConfig) {
    this.rounds = new PeriodicRounds(() => this.tick(), config.tickIntervalMs);
  }

  setLeader(leader: boolean): void {
    this.leader = leader;
    this.caughtUp = false;
    this.config.metrics.leader.set(leader ? 1 : 0);
  }

  start(): void {
    this.rounds.start(true);
  }

  /** Settles once the evaluation under way (its flush recorded and sent, or not begun) ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.rounds.stop();
  }

  private async tick(): Promise<void> {
    if (!this.leader) return;
    const { config } = this;
    try {
      if (!this.caughtUp) {
        await this.dispatchLeftovers();
        this.caughtUp = true;
      }
      await this.evaluate(config.now());
    } catch (error) {
      // a flush recorded and not sent is sent again first at the next tick
      this.caughtUp = false;
      config.metrics.tickFailures.inc();
      config.logger.warn({ event: 'notification_tick_failed', err: error }, 'evaluating the notification groups failed; trying again at the next tick');
    }
  }

  private async evaluate(now: number): Promise<void> {
    const { config } = this;
    const [alerts, stored, silences] = await Promise.all([config.alerts.all(), config.groups.all(), config.silences.inForce()]);
    const policies = config.policies();
    const groups = new Map(stored.map((g) => [groupName(g.tenant, g.groupKey), g]));
    const live = assembleGroups(policies, alerts, activeSilences(silences, now), (name) => new Set(groups.get(name)?.flushedResolved ?? []));
    for (const [name, group] of live) await this.startOrHasten(name, group, groups, now);
    for (const [name, group] of groups) {
      if (group.nextFlushAt <= now && !this.stopped && this.leader) await this.flush(name, group, live.get(name), groups, policies, now);
    }
    config.metrics.groups.set(groups.size);
    config.metrics.alerts.set({ status: 'firing' }, alerts.filter((a) => a.status === 'firing').length);
    config.metrics.alerts.set({ status: 'resolved' }, alerts.filter((a) => a.status === 'resolved').length);
    const owed = resolvedStillOwed(live, groups);
    await config.alerts.forgetResolved(alerts.filter((a) => a.status === 'resolved' && !owed.has(a.alarmId)).map((a) => a.alarmId));
  }

  /** Starts a group with a firing alert; brings forward the first flush of a group not flushed yet that an old alert joined. */
  private async startOrHasten(name: string, group: LiveGroup, groups: Map<string, StoredGroup>, now: number): Promise<void> {
    const stored = groups.get(name);
    const wait = group.route.groupWaitMs;
    if (!stored) {
      // resolved alerts alone are news to no one: they start no group
      if (!group.members.some((m) => m.alert.status === 'firing')) return;
      const started: StoredGroup = {
        tenant: group.tenant, groupKey: group.groupKey, startedAt: now, routeId: group.route.id, receiver: group.route.receiver, groupLabels: group.groupLabels,
        nextFlushAt: firstFlushAt(undefined, group.members, wait, now), flushSeq: 0, log: [], flushedResolved: [],
      };
      if (await this.config.groups.start(started)) groups.set(name, started);
      return;
    }
    if (stored.flushSeq !== 0) return;
    const at = firstFlushAt(stored.nextFlushAt, group.members, wait, now);
    if (at < stored.nextFlushAt) {
      await this.config.groups.flushEarlier(stored, at);
      stored.nextFlushAt = at;
    }
  }

  private async flush(name: string, stored: StoredGroup, group: LiveGroup | undefined, groups: Map<string, StoredGroup>, policies: ReadonlyMap<string, NotificationPolicy>, now: number): Promise<void> {
    const { config } = this;
    const receiver = group && policies.get(stored.tenant)?.receivers.get(group.route.receiver);
    if (!group || !receiver) {
      // no alert routes here any more (they resolved and were flushed, or the policy changed): the group ends
      if (await config.groups.recordFlush({ group: stored, next: undefined, requests: [], now })) groups.delete(name);
      return;
    }
    const plan = planFlush(group.members, stored.log, receiver, group.route.repeatIntervalMs, now);
    const requests = handlerRequestsOf({ ...stored, groupLabels: group.groupLabels }, receiver, plan.notifications, now);
    const next = plan.ends ? undefined : { nextFlushAt: now + group.route.groupIntervalMs, log: plan.log, flushedResolved: plan.flushedResolved };
    if (!(await config.groups.recordFlush({ group: stored, next, requests, now }))) return;
    if (next) groups.set(name, { ...stored, ...next, flushSeq: stored.flushSeq + 1 });
    else groups.delete(name);
    config.metrics.flushes.inc({ notified: requests.length > 0 ? 'yes' : 'no' });
    if (requests.length === 0) return;
    await config.dispatch(requests);
    await config.groups.dispatched({ ...stored });
    config.logger.info(
      { event: 'notification_sent', tenant: stored.tenant, group: stored.groupKey, flushSeq: stored.flushSeq, receiver: receiver.name, requests: requests.length, alerts: plan.notifications[0]?.alerts.length },
      'a group notified its receiver',
    );
  }

  /** Sends what an earlier leader recorded and did not get acknowledged. */
  private async dispatchLeftovers(): Promise<void> {
    for (const flush of await this.config.groups.undispatched()) {
      await this.config.dispatch(flush.requests);
      await this.config.groups.dispatched(flush);
      this.config.logger.info({ event: 'flush_dispatched_again', tenant: flush.tenant, group: flush.groupKey, flushSeq: flush.flushSeq }, 'a flush recorded earlier and not acknowledged is sent again');
    }
  }
}

/** The resolved alarms some stored group has not flushed yet: they stay tracked until it has. */
function resolvedStillOwed(live: ReadonlyMap<string, LiveGroup>, groups: ReadonlyMap<string, StoredGroup>): Set<string> {
  const owed = new Set<string>();
  for (const [name, group] of live) {
    const stored = groups.get(name);
    if (!stored) continue;
    const flushed = new Set(stored.flushedResolved);
    for (const m of group.members) if (m.alert.status === 'resolved' && !flushed.has(m.fingerprint)) owed.add(m.alert.alarmId);
  }
  return owed;
}
