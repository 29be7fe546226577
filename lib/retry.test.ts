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
});
