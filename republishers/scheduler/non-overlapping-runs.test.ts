import { NonOverlappingRuns } from './non-overlapping-runs';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runs of a job that never overlap', () => {
  it('skips a trigger while a run is going, and runs again once it ended', async () => {
    let skipped = 0;
    const runs = new NonOverlappingRuns(() => skipped++);
    const first = deferred();
    let started = 0;
    const run = () => {
      started++;
      return first.promise;
    };
    const running = runs.trigger(run);
    expect(running).toBeDefined();
    expect(runs.busy).toBe(true);
    expect(runs.trigger(run)).toBeUndefined();
    expect(runs.trigger(run)).toBeUndefined();
    expect([started, skipped]).toEqual([1, 2]);
    first.resolve();
    await running;
    expect(runs.busy).toBe(false);
    await runs.trigger(() => {
      started++;
      return Promise.resolve();
    });
    expect([started, skipped]).toEqual([2, 2]);
  });

  it('idle() waits for the run in progress, and settles at once without one', async () => {
    const runs = new NonOverlappingRuns(() => undefined);
    await runs.idle();
    const run = deferred();
    let ended = false;
    void runs.trigger(() => run.promise.then(() => void (ended = true)));
    const idle = runs.idle();
    run.resolve();
    await idle;
    expect(ended).toBe(true);
  });
});
