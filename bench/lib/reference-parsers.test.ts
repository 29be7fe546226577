import { measurementRowsCsv, parseProducerPerformance, parsePsqlTiming, parseRedisBenchmark } from './reference-parsers';

describe('reference tool output', () => {
  test('the ProducerPerformance summary line, not a periodic one', () => {
    const output = [
      'SLF4J: No SLF4J providers were found.',
      '250000 records sent, 49990.0 records/sec (9.53 MB/sec), 700.1 ms avg latency, 1200.0 ms max latency.',
      '500000 records sent, 95057.034221 records/sec (18.13 MB/sec), 163.58 ms avg latency, 1400.00 ms max latency, 145 ms 50th, 300 ms 95th, 380 ms 99th, 398 ms 99.9th.',
    ].join('\n');
    expect(parseProducerPerformance(output)).toEqual({
      records: 500000, recordsPerSecond: 95057.034221, megabytesPerSecond: 18.13, avgLatencyMs: 163.58, maxLatencyMs: 1400, p50Ms: 145, p95Ms: 300, p99Ms: 380, p999Ms: 398,
    });
    expect(() => parseProducerPerformance('Exception in thread "main"')).toThrow('no summary line');
  });

  test('redis-benchmark -q, after its progress output', () => {
    expect(parseRedisBenchmark('SET: rps=0.0 (overall: nan) avg_msec=nan\rSET: 847457.62 requests per second, p50=0.391 msec\n')).toEqual({ requestsPerSecond: 847457.62, p50Ms: 0.391 });
    expect(parseRedisBenchmark('SET: 120000.00 requests per second\n').requestsPerSecond).toBe(120000);
  });

  test('psql timing', () => {
    expect(parsePsqlTiming('Timing is on.\nTime: 2.5 ms\nTime: 1234.567 ms (00:01.235)\n')).toBeCloseTo(1234.567, 6);
  });

  test('the copied rows have a unique (path, time)', () => {
    const lines = measurementRowsCsv(9000).trim().split('\n');
    expect(lines).toHaveLength(9000);
    expect(new Set(lines.map((l) => l.split(',').slice(0, 2).join())).size).toBe(9000);
    expect(lines[0]).toMatch(/^\/tenant-01\/site-01\/dev-00001\/temperature,2024-01-01T00:00:00.000Z,[\d.]+,2024-01-01T00:00:00.035Z$/);
  });
});
