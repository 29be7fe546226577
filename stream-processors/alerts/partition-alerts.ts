/**
 * The alert states of one input partition, keyed by (rule, series): what the
 * last committed transaction left, and what the transaction under way changed
 * on top of it. `commit` takes the staged changes once their transaction
 * committed, `discard` throws them away when it failed. Pure.
 *
 * What the changelog holds: a state that is idle (normal, no condition
 * holding) is tombstoned, and written again only once it is not; so a
 * series that stays normal costs no changelog record per reading. The
 * price: after a restore an idle pair no longer knows its newest reading's
 * time, so an older reading than that is evaluated rather than ignored, and
 * its no-data clock starts with its next reading.
 */
import { initialAlertState, isIdle, type AlertState } from './alert-state';

/** `<tenant>/<rule id>` NUL `<series path>`: no rule key holds a NUL. */
export function stateKey(ruleKey: string, path: string): string {
  return `${ruleKey}\u0000${path}`;
}

export function parseStateKey(key: string): { ruleKey: string; path: string } | undefined {
  const at = key.indexOf('\u0000');
  return at <= 0 ? undefined : { ruleKey: key.slice(0, at), path: key.slice(at + 1) };
}

export class PartitionAlerts {
  private readonly committed = new Map<string, AlertState>();
  private readonly staged = new Map<string, AlertState>();
  /** keys whose changelog record is not idle: an idle state is tombstoned once, when it becomes idle */
  private readonly stored = new Set<string>();

  get(key: string): AlertState {
    return this.staged.get(key) ?? this.committed.get(key) ?? initialAlertState();
  }

  stage(key: string, state: AlertState): void {
    this.staged.set(key, state);
  }

  /** A state read back from the changelog; undefined for a tombstone. */
  restore(key: string, state: AlertState | undefined): void {
    if (state) {
      this.committed.set(key, state);
      this.stored.add(key);
    } else {
      this.committed.delete(key);
      this.stored.delete(key);
    }
  }

  /** What the staged changes write to the changelog: a state, or null (a tombstone) for one that became idle. */
  changelog(): { key: string; state: AlertState | null }[] {
    const records: { key: string; state: AlertState | null }[] = [];
    for (const [key, state] of this.staged) {
      if (!isIdle(state)) records.push({ key, state });
      else if (this.stored.has(key)) records.push({ key, state: null });
    }
    return records;
  }

  commit(): void {
    for (const [key, state] of this.staged) {
      this.committed.set(key, state);
      if (isIdle(state)) this.stored.delete(key);
      else this.stored.add(key);
    }
    this.staged.clear();
  }

  discard(): void {
    this.staged.clear();
  }

  entries(): IterableIterator<[string, AlertState]> {
    return this.committed.entries();
  }

  /** Pairs held, idle ones included. */
  get size(): number {
    return this.committed.size;
  }

  /** Pairs not idle: pending, firing, recovering, no data, or a condition holding. */
  get active(): number {
    return this.stored.size;
  }
}
