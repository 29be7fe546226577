/**
 * The alert states of one input partition, keyed by (rule, series)
 * (lib/partition-states.ts). A state that is idle (normal, no condition
 * holding) is tombstoned, and written again only once it is not. The
 * price: after a restore an idle pair no longer knows its newest reading's
 * time, so an older reading than that is evaluated rather than ignored, and
 * its no-data clock starts with its next reading.
 */
import { PartitionStates } from '../../lib/partition-states';
import { initialAlertState, isIdle, type AlertState } from './alert-state';

/** `<tenant>/<rule id>` NUL `<series path>`: no rule key holds a NUL. */
export function stateKey(ruleKey: string, path: string): string {
  return `${ruleKey}\u0000${path}`;
}

export function parseStateKey(key: string): { ruleKey: string; path: string } | undefined {
  const at = key.indexOf('\u0000');
  return at <= 0 ? undefined : { ruleKey: key.slice(0, at), path: key.slice(at + 1) };
}

/** The alert states of one input partition, keyed by (rule, series) (lib/partition-states.ts). */
export class PartitionAlerts extends PartitionStates<AlertState> {
  constructor() {
    super(initialAlertState, isIdle);
  }
}
