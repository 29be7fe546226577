import { stopWithin } from './stop-within';

describe('stopWithin', () => {
  it('aborts what waits once the grace period is over, which lets the stop finish', async () => {
    const giveUp = new AbortController();
    const waiting = new Promise<void>((resolve) => giveUp.signal.addEventListener('abort', () => resolve()));
    await stopWithin(() => waiting, giveUp, 10);
    expect(giveUp.signal.aborted).toBe(true);
  });

  it('aborts at the end of a stop that finished in time too', async () => {
    const giveUp = new AbortController();
    await stopWithin(async () => undefined, giveUp, 60_000);
    expect(giveUp.signal.aborted).toBe(true);
  });
});
