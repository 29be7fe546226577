/**
 * Evaluating an automation's conditions: comparisons of the event's value or
 * of a series' latest value, combined with all / any. A value that is not
 * there (an event without one, a series never read) makes its comparison
 * false. Pure: the latest values are looked up before.
 */
import { thresholdHolds } from '../../schemas/alert-threshold';
import type { Condition } from '../../schemas/automation';

export interface ConditionInputs {
  /** the event's value: a reading's, a rollup field's, an alert's; undefined for a schedule or an event without one */
  eventValue: number | undefined;
  /** the latest value of a series, undefined when unknown */
  latest(path: string): number | undefined;
}

export function conditionHolds(condition: Condition | null, inputs: ConditionInputs): boolean {
  if (condition === null) return true;
  if ('all' in condition) return condition.all.every((c) => conditionHolds(c, inputs));
  if ('any' in condition) return condition.any.some((c) => conditionHolds(c, inputs));
  const value = condition.series === undefined ? inputs.eventValue : inputs.latest(condition.series);
  return value !== undefined && Number.isFinite(value) && thresholdHolds(condition.value, value);
}
