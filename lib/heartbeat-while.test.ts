import { heartbeatWhile } from './heartbeat-while';

describe('heartbeatWhile', () => {
  afterEach(() => jest.useRealTimers());

  it('heartbeats every interval while the work runs, ignores a failed heartbeat, and stops once the work settles', async () => {
    jest.useFakeTimers();
    let beats = 0;
    const heartbeat = async (): Promise<void> => {
      beats++;
      if (beats === 1) throw Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const running = heartbeatWhile(heartbeat, async () => (await released, 'done'), 1000);
    await jest.advanceTimersByTimeAsync(3500);
    expect(beats).toBe(3);
    release();
    await expect(running).resolves.toBe('done');
    await jest.advanceTimersByTimeAsync(5000);
    expect(beats).toBe(3);
  });

  it("passes the work's failure on", async () => {
    await expect(heartbeatWhile(async () => undefined, async () => { throw new Error('commit failed'); })).rejects.toThrow('commit failed');
  });
});
