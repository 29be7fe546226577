/**
 * Runs asynchronous steps one at a time, in the order they were asked for:
 * a processor's batches, timers and restores share its state and its
 * transactional producer. A step that fails does not stop the ones after it.
 */
export class SerialSteps {
  private queue: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Settles once every step asked for so far has. */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }
}
