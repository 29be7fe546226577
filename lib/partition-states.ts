/**
 * The states of one input partition of a processor that commits a state
 * changelog with its outputs (the alerts processor's per (rule, series), the
 * automations' dampening per (automation, subject)): what the last committed
 * transaction left, and what the transaction under way changed on top of
 * it. `commit` takes the staged changes once their transaction committed,
 * `discard` throws them away when it failed. Pure.
 *
 * An idle state (as `isIdle` says: nothing worth remembering) is tombstoned
 * once, when it becomes idle, and written again only once it is not; so a
 * key that stays idle costs no changelog record per input record.
 */
export class PartitionStates<S> {
  private readonly committed = new Map<string, S>();
  private readonly staged = new Map<string, S>();
  /** keys whose changelog record is not idle */
  private readonly stored = new Set<string>();

  constructor(
    private readonly initial: () => S,
    private readonly isIdle: (state: S) => boolean,
  ) {}

  get(key: string): S {
    return this.staged.get(key) ?? this.committed.get(key) ?? this.initial();
  }

  stage(key: string, state: S): void {
    this.staged.set(key, state);
  }

  /** Whether a state is held for the key, staged or committed (get() gives the initial state for one that is not). */
  has(key: string): boolean {
    return this.staged.has(key) || this.committed.has(key);
  }

  /** A state read back from the changelog; undefined for a tombstone. */
  restore(key: string, state: S | undefined): void {
    if (state) {
      this.committed.set(key, state);
      this.stored.add(key);
    } else {
      this.committed.delete(key);
      this.stored.delete(key);
    }
  }

  /** What the staged changes write to the changelog: a state, or null (a tombstone) for one that became idle. */
  changelog(): { key: string; state: S | null }[] {
    const records: { key: string; state: S | null }[] = [];
    for (const [key, state] of this.staged) {
      if (!this.isIdle(state)) records.push({ key, state });
      else if (this.stored.has(key)) records.push({ key, state: null });
    }
    return records;
  }

  commit(): void {
    for (const [key, state] of this.staged) {
      this.committed.set(key, state);
      if (this.isIdle(state)) this.stored.delete(key);
      else this.stored.add(key);
    }
    this.staged.clear();
  }

  discard(): void {
    this.staged.clear();
  }

  entries(): IterableIterator<[string, S]> {
    return this.committed.entries();
  }

  /** Keys held, idle ones included. */
  get size(): number {
    return this.committed.size;
  }

  /** Keys whose state is not idle. */
  get active(): number {
    return this.stored.size;
  }
}
