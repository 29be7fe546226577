/**
 * Runs tasks one after another per key and side by side across keys, at most
 * `limit` at once: one device's publications go out in the order they were
 * handed over, each only after the one before it settled (so a retained
 * shadow delta is never overtaken by an older one), while a device that waits
 * holds up no other. A task that fails does not stop the next one of its key.
 * Pure: no I/O.
 */
export class KeyedSequence {
  /** The last task handed over per key, settled or not. */
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Keys with a task running or waiting. */
  get keys(): number {
    return this.tails.size;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.acquire()).then(async () => {
      try {
        return await task();
      } finally {
        this.release();
      }
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // the slot passes straight to the next waiter
    if (next) next();
    else this.running--;
  }
}
