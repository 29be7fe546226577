import { heartbeatFindsRebalance } from './consumer-stopped';
import { RetryAborted, retryUntilDone } from './retry';

export interface BatchRetryOptions {
  /** Aborts when the component stops: the batch is given up. */
  stopping: AbortSignal;
  /** The batch's heartbeat (kafkajs's `EachBatchPayload.heartbeat`). */
  heartbeat: () => Promise<void>;
  /** Called after each failed attempt, before its wait (a metric, a log line). */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * One fetched batch's work, retried with backoff (lib/retry.ts) until done,
 * the group heartbeated after each failed attempt. Undefined when the batch
 * is given up, nothing of it committed: the component stops, or a heartbeat
 * says the group is rebalancing (lib/consumer-stopped.ts
 * heartbeatFindsRebalance), and whoever owns the partition next does the
 * batch again from the committed offset. Throws what retrying cannot fix.
 */
export async function retryBatch<T>(work: () => Promise<T>, options: BatchRetryOptions): Promise<T | undefined> {
  const rebalancing = new AbortController();
  try {
    return await retryUntilDone(work, {
      signal: AbortSignal.any([options.stopping, rebalancing.signal]),
      onRetry: (error, attempt, delayMs) => {
        options.onRetry(error, attempt, delayMs);
        void heartbeatFindsRebalance(options.heartbeat).then((found) => found && rebalancing.abort());
      },
    });
  } catch (error) {
    if (error instanceof RetryAborted) return undefined;
    throw error;
  }
}
