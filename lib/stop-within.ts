/**
 * Stops something whose work may wait on a server (a batch waiting for a
 * broker's acknowledgements): `stop` runs, and if it has not finished within
 * `graceMs`, `giveUp` is aborted so that what waits on it gives up (and is
 * done again from the committed offsets by the next run). Aborted at the end
 * in any case.
 */
export async function stopWithin(stop: () => Promise<void>, giveUp: AbortController, graceMs: number): Promise<void> {
  const timer = setTimeout(() => giveUp.abort(), graceMs);
  try {
    await stop();
  } finally {
    clearTimeout(timer);
    giveUp.abort();
  }
}
