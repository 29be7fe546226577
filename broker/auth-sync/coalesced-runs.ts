/**
 * Runs a job after requests settle, one run at a time: requests during the
 * settle delay join the coming run, requests during a run cause one more run
 * after it. So the job always runs after the last request, and never twice at
 * once.
 */
export class CoalescedRuns {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly settleMs: number,
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => void this.run(), this.settleMs);
  }

  /** Cancels what is pending and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.running = this.job().finally(() => {
      this.running = undefined;
    });
    await this.running;
    if (this.again) {
      this.again = false;
      this.request();
    }
  }
}
