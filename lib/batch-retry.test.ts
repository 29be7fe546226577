import { FleetstreamError } from './errors';
import { retryBatch } from './batch-retry';

const rebalancing = Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });

describe('retryBatch', () => {
  it("retries the batch's work until done, heartbeating after each failed attempt", async () => {
    let calls = 0;
    let heartbeats = 0;
    const retries: number[] = [];
    const result = await retryBatch(
      async () => {
        if (++calls < 3) throw new Error('database down');
        return 'applied';
      },
      { stopping: new AbortController().signal, heartbeat: async () => void heartbeats++, onRetry: (_error, attempt) => retries.push(attempt) },
    );
    expect({ result, calls, heartbeats, retries }).toEqual({ result: 'applied', calls: 3, heartbeats: 2, retries: [1, 2] });
  });

  it('gives the batch up when a heartbeat says the group is rebalancing, without another attempt', async () => {
    let calls = 0;
    const result = await retryBatch(
      async () => {
        calls++;
        throw new Error('database down');
      },
      { stopping: new AbortController().signal, heartbeat: async () => Promise.reject(rebalancing), onRetry: () => undefined },
    );
    expect({ result, calls }).toEqual({ result: undefined, calls: 1 });
  });

  it('goes on retrying when a heartbeat fails for another reason', async () => {
    let calls = 0;
    const result = await retryBatch(
      async () => {
        if (++calls < 2) throw new Error('database down');
        return 'applied';
      },
      { stopping: new AbortController().signal, heartbeat: async () => Promise.reject(new Error('Connection timeout')), onRetry: () => undefined },
    );
    expect({ result, calls }).toEqual({ result: 'applied', calls: 2 });
  });

  it('gives the batch up when the component stops', async () => {
    const stopping = new AbortController();
    const result = await retryBatch(
      async () => {
        throw new Error('database down');
      },
      { stopping: stopping.signal, heartbeat: async () => undefined, onRetry: () => stopping.abort() },
    );
    expect(result).toBeUndefined();
  });

  it('throws what retrying cannot fix', async () => {
    const refused = new FleetstreamError('CONFIG_INVALID', 'no such table');
    await expect(retryBatch(async () => Promise.reject(refused), { stopping: new AbortController().signal, heartbeat: async () => undefined, onRetry: () => undefined })).rejects.toBe(refused);
  });
});
