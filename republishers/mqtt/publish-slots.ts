/**
 * A bound on publications awaiting their PUBACK: `acquire` waits while all
 * slots are taken, so a slow broker slows the consumer down (backpressure)
 * instead of piling messages up in the MQTT client.
 */
export class PublishSlots {
  private taken = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  get inUse(): number {
    return this.taken;
  }

  async acquire(): Promise<void> {
    if (this.taken < this.size) {
      this.taken++;
      return;
    }
    // the releasing caller hands its slot over, so `taken` stays
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.taken--;
  }
}
