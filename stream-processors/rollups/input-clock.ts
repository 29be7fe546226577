/**
 * The clock a rollup stage measures its series' idleness on, per input
 * partition: the timestamp (when it reached Kafka) of the newest record
 * consumed from the partition, moved on by the wall clock since that
 * record's batch came. Caught up, it is the wall clock less the delay of the
 * input; behind, it is where the stage is in its input.
 *
 * On the wall clock alone, a stage more than the idle timeout plus the allowed
 * lateness behind (90 s by default) takes every busy series for an idle one:
 * their windows close, their next readings come late, each to be corrected
 * from the raw store, which slows the stage further. (Late-backlog runs with
 * the 1m stage over a million readings behind counted more late readings
 * than the backlog had, with this clock too: that has another cause, not
 * found.) Pure.
 */
export class InputClock {
  private readonly partitions = new Map<number, { newest: number; at: number }>();

  /** A batch of `partition` came at `wallNow`; `newest` is the largest timestamp of its records. */
  consumed(partition: number, newest: number, wallNow: number): void {
    const known = this.partitions.get(partition);
    this.partitions.set(partition, { newest: Math.max(newest, known?.newest ?? -Infinity), at: wallNow });
  }

  /** The partition's clock: the wall clock until a batch of it came, never ahead of the wall clock. */
  now(partition: number, wallNow: number): number {
    const known = this.partitions.get(partition);
    return known ? Math.min(wallNow, known.newest + (wallNow - known.at)) : wallNow;
  }

  /** Forgets every partition (their state is thrown away and restored): the wall clock until their next batch. */
  clear(): void {
    this.partitions.clear();
  }
}
