import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { batchedOpenLoop, dueCount, fixedRateLoad } from './fixed-rate-load';

describe('fixedRateLoad', () => {
  let server: Server;
  let url: string;
  const arrivals: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(performance.now());
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends rate x seconds requests spread evenly, not in bursts, and reports their latencies', async () => {
    arrivals.length = 0;
    const result = await fixedRateLoad(`${url}/`, { rate: 200, seconds: 1 });
    expect(arrivals).toHaveLength(200);
    expect(result.failed).toBe(0);
    expect(result.p99Ms).toBeGreaterThan(0);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    // evenly spaced: no tenth of the second gets more than a third of the requests (a burst would put them all in the first)
    const first = arrivals[0]!;
    const perTenth = new Array(10).fill(0) as number[];
    for (const t of arrivals) perTenth[Math.min(9, Math.floor((t - first) / 100))]!++;
    expect(Math.max(...perTenth)).toBeLessThan(200 / 3);
  });

  it('counts answers other than 2xx as failed', async () => {
    const result = await fixedRateLoad(`${url}/missing`, { rate: 50, seconds: 0.2 });
    expect(result.failed).toBe(10);
  });
});

describe('dueCount', () => {
  it('counts item i due at i/rate seconds, at most total', () => {
    expect(dueCount(5000, 100, -1)).toBe(0);
    expect(dueCount(5000, 100, 0)).toBe(1);
    expect(dueCount(5000, 100, 9.99)).toBe(50);
    expect(dueCount(5000, 100, 10)).toBe(51);
    expect(dueCount(5000, 100, 60_000)).toBe(100);
  });
});

describe('batchedOpenLoop', () => {
  it('sends every item once, in order, in batches', async () => {
    const batches: [number, number][] = [];
    await batchedOpenLoop(500, 100, async (from, to) => void batches.push([from, to]), 5);
    expect(batches[0]![0]).toBe(0);
    expect(batches.at(-1)![1]).toBe(100);
    batches.slice(1).forEach(([from], i) => expect(from).toBe(batches[i]![1]));
    // spread over 200 ms: more than one send, even on a busy machine
    expect(batches.length).toBeGreaterThan(1);
  });
});
