import { isRetriable } from './errors';

/**
 * Retries an operation with capped exponential backoff until it succeeds or
 * the signal aborts: for writes that must not be dropped (a record not yet in
 * Kafka, a batch not yet in the database), where giving up would lose data.
 * An error that retrying cannot fix (`isRetriable` of lib/errors.ts) is thrown
 * at once: looping on it would stall the caller forever.
 */
export interface RetryOptions {
  signal: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export class RetryAborted extends Error {
  constructor(cause: unknown) {
    super('retry aborted: shutting down', { cause });
    this.name = 'RetryAborted';
  }
}

export async function retryUntilDone<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (options.signal.aborted) throw new RetryAborted(error);
      const delayMs = Math.min(max, initial * 2 ** (attempt - 1));
      options.onRetry?.(error, attempt, delayMs);
      await abortableDelay(delayMs, options.signal).catch(() => {
        throw new RetryAborted(error);
      });
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
