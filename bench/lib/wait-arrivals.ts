/** Waits until `count()` reaches `expected`, or stops growing for `quietMs`, or `timeoutMs` passed: arrivals that will not all come end a run too. */
export async function waitArrivals(count: () => number, expected: number, quietMs = 3000, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let last = count();
  let lastChange = Date.now();
  while (count() < expected && Date.now() - lastChange < quietMs && Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (count() !== last) {
      last = count();
      lastChange = Date.now();
    }
  }
}
