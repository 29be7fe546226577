/**
 * An open-loop HTTP load at a fixed rate: request i is due at start + i/rate
 * and is sent then (over a keep-alive pool), whether or not earlier ones have
 * answered; its latency runs from when it was due, so a server that falls
 * behind shows its queueing instead of hiding it (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: it sends each connection's quota back to
 * back at the start of every second (a burst of 500, then silence), and pads
 * its histogram with samples at 1 ms steps below every response slower than
 * 1 ms; it measured bursts, not 500 requests/s. autocannon stays for the
 * unthrottled peak.
 */
import { Agent, request } from 'node:http';
import { quantile } from './stats';

export interface FixedRateResult {
  offeredPerSecond: number;
  /** Answers per second over the run (all answers, any status). */
  answeredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Requests that failed (connection errors, timeouts) or answered other than 2xx. */
  failed: number;
}

export async function fixedRateLoad(url: string, options: { rate: number; seconds: number; headers?: Record<string, string>; maxSockets?: number }): Promise<FixedRateResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  let failed = 0;
  let answered = 0;
  const start = performance.now();
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent, headers: options.headers, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          answered++;
          if ((res.statusCode ?? 0) >= 300) failed++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  await openLoop(options.rate, total, (_, due) => send(due), start);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const ms = (v: number) => Math.round(v * 10) / 10;
  return {
    offeredPerSecond: options.rate,
    answeredPerSecond: Math.round(answered / elapsed),
    p50Ms: ms(quantile(latencies, 0.5)),
    p99Ms: ms(quantile(latencies, 0.99)),
    p999Ms: ms(quantile(latencies, 0.999)),
    maxMs: ms(Math.max(...latencies)),
    failed,
  };
}

/**
 * Calls `send(i, due)` for i from 0 to total - 1 when it is due, at
 * start + i/rate ms, whether or not earlier ones have settled; resolves once
 * every one has.
 */
export async function openLoop(rate: number, total: number, send: (i: number, due: number) => Promise<void>, start = performance.now()): Promise<void> {
  const inFlight: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / rate <= now) {
        inFlight.push(send(next, start + (next * 1000) / rate));
        next++;
      }
      if (next >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
}

/** How many of `total` items are due `elapsedMs` after the start at `rate` per second: item i is due at i/rate s. */
export function dueCount(rate: number, total: number, elapsedMs: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/**
 * The open loop for records that go out in batches (to Kafka): every
 * `tickMs`, the items that fell due since the last tick go in one call
 * `send(from, to)` (to exclusive), whether or not earlier calls have
 * settled; resolves once every one has. At 5,000 records/s and 10 ms ticks
 * that is 100 sends of 50 records a second rather than 5,000 of one.
 */
export async function batchedOpenLoop(rate: number, total: number, send: (from: number, to: number) => Promise<void>, tickMs = 10): Promise<void> {
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = dueCount(rate, total, performance.now() - start);
      if (due > next) {
        inFlight.push(send(next, due));
        next = due;
      }
      if (next >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });
  await Promise.all(inFlight);
}
