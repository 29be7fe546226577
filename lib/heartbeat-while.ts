/** How often the stream processors' consumers heartbeat their group, ms. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * Runs `work` while heartbeating the consumer group every `intervalMs`.
 *
 * kafkajs has no heartbeat thread: a member heartbeats only when its runner
 * gets to it, between batches or when `eachBatch` calls `heartbeat()`. A batch
 * that waits its turn behind other work of the process (a transaction commit,
 * the restore of a partition's state after a rebalance) sends none, and past
 * the session timeout the coordinator evicts the member: the group rebalances,
 * the state is restored again, which takes longer still under load, and the
 * member is evicted again. Heartbeats meanwhile keep the membership.
 *
 * A failed heartbeat is ignored here: a rebalance in progress is what the
 * runner's own heartbeat after the batch reports, and acts on.
 */
export async function heartbeatWhile<T>(heartbeat: () => Promise<void>, work: () => Promise<T>, intervalMs = HEARTBEAT_INTERVAL_MS): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
