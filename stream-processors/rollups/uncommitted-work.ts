/**
 * What a stage consumed since its last commit: the outputs of those batches,
 * and per partition how far it consumed and where consumption resumes if that
 * work is thrown away (a commit that failed, a rebalance before the commit).
 * Pure: the stage seeks to the positions `discard` returns, and drops the
 * window state, which the changelog restores.
 */
import type { PartitionOffset, TopicOutputs } from '../../lib/kafka-transaction';

export class UncommittedWork {
  /** Outputs of the batches consumed since the last commit. */
  outputs: TopicOutputs = new Map();
  /** Partition -> the offset after its last batch consumed since the last commit. */
  private consumed = new Map<number, string>();
  /** Partition -> where its consumption resumes when the work is thrown away: its committed offset, or its first batch's. */
  private readonly resumeAt = new Map<number, string>();
  /** When the newest input record applied since the last commit was produced to Kafka (its timestamp, epoch ms). */
  private newestInputAt: number | undefined;
  /** Input records applied since the last commit. */
  private applied = 0;

  /** Call before a batch of `partition` that starts at `firstOffset` changes anything. */
  batchStarted(partition: number, firstOffset: string): void {
    if (!this.resumeAt.has(partition)) this.resumeAt.set(partition, firstOffset);
  }

  /** The batch of `partition` ending at `lastOffset`, `records` long, its newest record produced at `newestAt`, was applied; its outputs are in `outputs`. */
  batchApplied(partition: number, lastOffset: string, newestAt: number, records: number): void {
    this.consumed.set(partition, (BigInt(lastOffset) + 1n).toString());
    this.applied += records;
    if (this.newestInputAt === undefined || newestAt > this.newestInputAt) this.newestInputAt = newestAt;
  }

  /** Input records applied since the last commit. */
  get records(): number {
    return this.applied;
  }

  /** Partitions with batches consumed since the last commit. */
  get partitions(): number[] {
    return [...this.consumed.keys()];
  }

  /** Hands over the outputs and the consumed offsets for a commit, and starts collecting anew. */
  take(): { outputs: TopicOutputs; consumed: PartitionOffset[]; newestInputAt: number | undefined } {
    const taken = { outputs: this.outputs, consumed: [...this.consumed].map(([partition, offset]) => ({ partition, offset })), newestInputAt: this.newestInputAt };
    this.startAnew();
    return taken;
  }

  /** The commit of `taken` went through: consumption resumes after it from now on. */
  committed(taken: readonly PartitionOffset[]): void {
    for (const { partition, offset } of taken) this.resumeAt.set(partition, offset);
  }

  /**
   * Throws away the outputs and the consumed offsets; returns where each of
   * `partitions` (by default those consumed since the last commit) is to be
   * consumed again from.
   */
  discard(partitions: readonly number[] = this.partitions): PartitionOffset[] {
    const seekTo = partitions.flatMap((partition) => {
      const offset = this.resumeAt.get(partition);
      return offset === undefined ? [] : [{ partition, offset }];
    });
    this.startAnew();
    return seekTo;
  }

  private startAnew(): void {
    this.outputs = new Map();
    this.consumed = new Map();
    this.newestInputAt = undefined;
    this.applied = 0;
  }

  /** Forgets the partitions no longer assigned: their next owner resumes them from their committed offsets. */
  retain(assigned: ReadonlySet<number>): void {
    for (const partition of [...this.resumeAt.keys()]) if (!assigned.has(partition)) this.resumeAt.delete(partition);
  }
}
