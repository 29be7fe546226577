/**
 * Attempts under way, counted per key (a webhook subscription, a handler's
 * receiver), for loops that start attempts without waiting for them and cap
 * what one key may hold: a key that never answers holds its own slots only.
 */
export class KeyedAttempts {
  private readonly perKey = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();

  /** Attempts under way, over every key. */
  get size(): number {
    return this.running.size;
  }

  /** Attempts under way per key (keys with none are absent). */
  get busy(): ReadonlyMap<string, number> {
    return this.perKey;
  }

  count(key: string): number {
    return this.perKey.get(key) ?? 0;
  }

  /** Starts `work` counted under `key`; `settled` runs once it is done and no longer counted. */
  start(key: string, work: () => Promise<void>, settled: () => void): void {
    this.perKey.set(key, this.count(key) + 1);
    const attempt = work().finally(() => {
      this.running.delete(attempt);
      const left = this.count(key) - 1;
      if (left <= 0) this.perKey.delete(key);
      else this.perKey.set(key, left);
      settled();
    });
    this.running.add(attempt);
  }

  /** Resolves once every attempt under way now has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
