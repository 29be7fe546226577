import { FleetstreamError } from './errors';
import { RetryAborted, retryUntilDone } from './retry';

describe('retryUntilDone', () => {
  it('retries until the operation succeeds, backing off', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = await retryUntilDone(
      async () => {
        calls++;
        if (calls < 4) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { signal: new AbortController().signal, initialDelayMs: 1, maxDelayMs: 3, onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([1, 2, 3]);
  });

  it('stops with RetryAborted when the signal aborts during the backoff', async () => {
    const controller = new AbortController();
    const pending = retryUntilDone(
      async () => {
        throw new Error('down');
      },
      { signal: controller.signal, initialDelayMs: 60_000, onRetry: () => controller.abort() },
    );
    await expect(pending).rejects.toBeInstanceOf(RetryAborted);
  });

  it('throws a non-retriable error at once instead of looping on it', async () => {
    let calls = 0;
    const retries: unknown[] = [];
    const refused = new FleetstreamError('DATABASE_REJECTED', 'relation "measurements" does not exist');
    const pending = retryUntilDone(
      async () => {
        calls++;
        throw refused;
      },
      { signal: new AbortController().signal, initialDelayMs: 1, onRetry: (error) => retries.push(error) },
    );
    await expect(pending).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(retries).toEqual([]);
  });

  it('retries an error with a retriable code, and one without a fleetstream code', async () => {
    const failures = [new FleetstreamError('REGISTRY_UNAVAILABLE', 'connect ECONNREFUSED'), new Error('KafkaJSNumberOfRetriesExceeded')];
    const result = await retryUntilDone(
      async () => {
        const next = failures.shift();
        if (next) throw next;
        return 'ok';
      },
      { signal: new AbortController().signal, initialDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(failures).toEqual([]);
  });
});
