/**
 * Runs asynchronous steps one at a time, in the order they were asked for:
 * a processor's batches, commits and restores share its state and its
 * transactional producer. A step that fails does not stop the ones after it.
 */
export class SerialSteps {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(step, step);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles once every step asked for so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
