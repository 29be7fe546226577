import type { Consumer } from 'kafkajs';

/**
 * Settles with the error after which kafkajs stopped `consumer` for good: it
 * restarts a consumer after a retriable error only (the CRASH event says
 * which). Whoever owns the consumer then stops working, and should say so
 * (RunningComponent.failed) rather than live on unready.
 */
export function stoppedForGood(consumer: Consumer): Promise<Error> {
  return new Promise((resolve) => {
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) resolve(event.payload.error);
    });
  });
}

/** kafkajs's errors that say the group is rebalancing (its own `isRebalancing`, which it does not export), and the member's eviction. */
const rebalancingTypes = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** Whether a heartbeat's or a commit's error means the group is rebalancing: the member's partitions may be moving. */
export function isRebalancing(error: unknown): boolean {
  return rebalancingTypes.has((error as { type?: unknown } | undefined)?.type as string);
}

/**
 * Heartbeats the group from inside a batch; true when the answer says it is
 * rebalancing. The batch in hand should then be given up, uncommitted:
 * kafkajs rejoins only once `eachBatch` returns, so a batch that waits or
 * retries on holds every member's rebalance (and a new member's start) for
 * the rebalance timeout. A heartbeat failing for another reason is false.
 */
export function heartbeatFindsRebalance(heartbeat: () => Promise<void>): Promise<boolean> {
  return heartbeat().then(() => false, isRebalancing);
}
