/**
 * One job's runs, never two at once: a trigger while a run is going is
 * skipped (and reported), not queued, as a CronJob with
 * `concurrencyPolicy: Forbid` skips. Pure: the job and the clock are the
 * caller's.
 */
export class NonOverlappingRuns {
  private running: Promise<void> | undefined;

  constructor(private readonly onSkipped: () => void) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts `run` (which reports its own failures and never rejects), or skips
   * it while a run is going; the run's promise, or undefined when skipped.
   */
  trigger(run: () => Promise<void>): Promise<void> | undefined {
    if (this.running) {
      this.onSkipped();
      return undefined;
    }
    const running = run().finally(() => {
      this.running = undefined;
    });
    this.running = running;
    return running;
  }

  /** Settles once no run is going. */
  async idle(): Promise<void> {
    await this.running;
  }
}
