import { CoalescedRuns } from './coalesced-runs';

describe('coalesced runs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('makes one run of requests that come within the settle delay', async () => {
    const job = jest.fn(async () => undefined);
    const runs = new CoalescedRuns(job, 100);
    runs.request();
    await jest.advanceTimersByTimeAsync(50);
    runs.request();
    runs.request();
    await jest.advanceTimersByTimeAsync(100);
    expect(job).toHaveBeenCalledTimes(1);
  });

  it('runs once more after a run that requests came during, never two at once', async () => {
    let finish: () => void = () => undefined;
    let concurrent = 0;
    let most = 0;
    const job = jest.fn(() => {
      most = Math.max(most, ++concurrent);
      return new Promise<void>((resolve) => {
        finish = () => {
          concurrent--;
          resolve();
        };
      });
    });
    const runs = new CoalescedRuns(job, 10);
    runs.request();
    await jest.advanceTimersByTimeAsync(10);
    runs.request();
    runs.request();
    finish();
    await jest.advanceTimersByTimeAsync(10);
    expect(job).toHaveBeenCalledTimes(2);
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(job).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
  });

  it('runs nothing after stop', async () => {
    const job = jest.fn(async () => undefined);
    const runs = new CoalescedRuns(job, 10);
    runs.request();
    await runs.stop();
    runs.request();
    await jest.advanceTimersByTimeAsync(100);
    expect(job).not.toHaveBeenCalled();
  });
});
