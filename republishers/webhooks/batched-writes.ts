/**
 * Writes that arrive within one turn of the event loop go out as one: each
 * `add` resolves once the write holding it succeeded (or rejects with its
 * error). The delivery loop records its delivered messages so, one UPDATE per
 * turn instead of one per message. Writes never overlap: items added during
 * one wait for the next.
 */
export class BatchedWrites<T> {
  private waiting: { item: T; settle: (error?: unknown) => void }[] = [];
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error as Error)) });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.writing = this.writing.then(() => this.flush());
      });
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.write(batch.map((w) => w.item));
      for (const w of batch) w.settle();
    } catch (error) {
      for (const w of batch) w.settle(error ?? new Error('write failed'));
    }
  }
}
