/**
 * Input partitions a stage cannot make progress on for now, for a reason
 * retrying fixes (the schema registry unreachable while decoding): each is
 * retried after a backoff that doubles per consecutive failure, and the stage
 * is unready while any of them fails. Pure.
 */
export class PartitionFailures {
  /** partition -> consecutive failures */
  private readonly failures = new Map<number, number>();

  constructor(
    private readonly initialDelayMs = 200,
    private readonly maxDelayMs = 5000,
  ) {}

  /** Counts a failure of `partition`; returns how long to wait before trying it again. */
  failed(partition: number): number {
    const count = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, count);
    return Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (count - 1));
  }

  /** `partition` made progress; true if it was failing. */
  recovered(partition: number): boolean {
    return this.failures.delete(partition);
  }

  /** Forgets the partitions no longer assigned: their failures are their next owner's. */
  retain(assigned: ReadonlySet<number>): void {
    for (const partition of [...this.failures.keys()]) if (!assigned.has(partition)) this.failures.delete(partition);
  }

  get partitions(): number[] {
    return [...this.failures.keys()];
  }
}
