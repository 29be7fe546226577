/**
 * Runs a round of work every interval, and at once when woken (new work came),
 * never two at a time: a wake during a round runs one more right after it,
 * however many wakes came. The interval counts from the end of the last round.
 * A round handles its own errors; one that throws is logged by no one.
 */
export class PeriodicRounds {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly runRound: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Schedules the first round after the interval (`now`: at once). */
  start(now = false): void {
    if (now) this.wake();
    else this.schedule();
  }

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.round = this.runRound()
      .catch(() => undefined)
      .finally(() => {
        this.round = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.schedule();
      });
  }

  /** No round after this; settles once the one under way ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), this.intervalMs);
  }
}
