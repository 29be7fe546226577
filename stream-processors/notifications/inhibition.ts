/**
 * Alertmanager's inhibition: a target alert is muted while some firing
 * alert of the same tenant matches a rule's source matchers, the target
 * matches its target matchers, and both have the same value (a missing label
 * reads as empty) for every `equal` label. An alert matching both sides of
 * a rule does not inhibit itself. Sources are taken whether or not they are
 * silenced, as Alertmanager does. Pure.
 */
import { matchesAll } from '../../schemas/label-matchers';
import type { InhibitRule } from '../../schemas/notification-policy';
import type { TrackedAlert } from './tracked-alert';

export class Inhibitor {
  /** per rule, the firing alerts that match its source matchers */
  private readonly sources: TrackedAlert[][];

  constructor(
    private readonly rules: readonly InhibitRule[],
    alerts: readonly TrackedAlert[],
  ) {
    const firing = alerts.filter((a) => a.status === 'firing');
    this.sources = rules.map((rule) => firing.filter((a) => matchesAll(rule.sourceMatchers, a.labels)));
  }

  isInhibited(target: TrackedAlert): boolean {
    return this.rules.some((rule, i) => {
      if (!matchesAll(rule.targetMatchers, target.labels)) return false;
      return this.sources[i]!.some((source) => source.alarmId !== target.alarmId && rule.equal.every((name) => (source.labels[name] ?? '') === (target.labels[name] ?? '')));
    });
  }
}
