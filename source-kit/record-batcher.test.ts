import { RecordBatcher } from './record-batcher';

function controllableSend() {
  const calls: { records: number[]; settle: (error?: Error) => void }[] = [];
  const send = (records: number[]) =>
    new Promise<void>((resolve, reject) => calls.push({ records, settle: (error) => (error ? reject(error) : resolve()) }));
  return { calls, send };
}

describe('RecordBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends when maxRecords is reached, without waiting for the timer', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 3, maxWaitMs: 1000, send });
    const done = Promise.all([batcher.add([1, 2]), batcher.add([3])]);
    expect(calls.map((c) => c.records)).toEqual([[1, 2, 3]]);
    calls[0]!.settle();
    await expect(done).resolves.toBeDefined();
  });

  it('sends a partial batch after maxWaitMs', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 100, maxWaitMs: 5, send });
    const done = batcher.add([1]);
    expect(calls).toHaveLength(0);
    jest.advanceTimersByTime(5);
    expect(calls.map((c) => c.records)).toEqual([[1]]);
    calls[0]!.settle();
    await done;
  });

  it('sends one batch at a time and sends what piled up as soon as the previous send finished', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 3, maxWaitMs: 5, send });
    const first = batcher.add([1, 2, 3]);
    const second = batcher.add([4, 5]);
    const third = batcher.add([6]);
    expect(calls).toHaveLength(1);
    calls[0]!.settle();
    await first;
    expect(calls.map((c) => c.records)).toEqual([[1, 2, 3], [4, 5, 6]]);
    calls[1]!.settle();
    await Promise.all([second, third]);
  });

  it('caps a send at maxRecords, keeping each caller\'s records whole, and sends the rest next', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 3, maxWaitMs: 5, send });
    const first = batcher.add([1]);
    jest.advanceTimersByTime(5);
    const piled = [batcher.add([2, 3]), batcher.add([4, 5]), batcher.add([6, 7, 8, 9])];
    expect(batcher.pending).toBe(8);
    calls[0]!.settle();
    await first;
    expect(calls.map((c) => c.records)).toEqual([[1], [2, 3]]);
    calls[1]!.settle();
    await piled[0];
    expect(calls[2]!.records).toEqual([4, 5]);
    calls[2]!.settle();
    await piled[1];
    expect(calls[3]!.records).toEqual([6, 7, 8, 9]); // one caller's records, over the cap, go whole
    calls[3]!.settle();
    await piled[2];
    expect(batcher.pending).toBe(0);
  });

  it('caps a send at bytes.max as sizeOf counts them, and sends at once when that many bytes wait', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 100, maxWaitMs: 1000, bytes: { max: 10, sizeOf: (n) => n }, send });
    const first = batcher.add([4]);
    expect(calls).toHaveLength(0); // 4 of 10 bytes: waits for the timer
    const piled = [batcher.add([3, 3]), batcher.add([5]), batcher.add([20])];
    expect(calls.map((c) => c.records)).toEqual([[4, 3, 3]]); // 10 bytes: at once, without the 5 that would pass the cap
    calls[0]!.settle();
    await Promise.all([first, piled[0]]);
    expect(calls[1]!.records).toEqual([5]);
    calls[1]!.settle();
    await piled[1];
    expect(calls[2]!.records).toEqual([20]); // one caller's records, over the cap, go whole
    calls[2]!.settle();
    await piled[2];
  });

  it('rejects the callers of a failed send, and only them', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 1, maxWaitMs: 5, send });
    const failed = batcher.add([1]);
    const next = batcher.add([2]);
    calls[0]!.settle(new Error('broker down'));
    await expect(failed).rejects.toThrow('broker down');
    calls[1]!.settle();
    await expect(next).resolves.toBeUndefined();
  });

  it('drain sends what is pending and waits for it', async () => {
    const { calls, send } = controllableSend();
    const batcher = new RecordBatcher<number>({ maxRecords: 100, maxWaitMs: 1000, send });
    const added = batcher.add([1]);
    const drained = batcher.drain();
    expect(calls.map((c) => c.records)).toEqual([[1]]);
    calls[0]!.settle();
    await Promise.all([added, drained]);
    expect(batcher.pending).toBe(0);
  });
});
