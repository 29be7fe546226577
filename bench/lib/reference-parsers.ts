/**
 * Parsers of the reference tools' output (pure), and the rows the PostgreSQL
 * reference copies.
 */

export interface ProducerPerformanceSummary {
  records: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
}

/**
 * The summary line of Kafka's `ProducerPerformance`:
 * `100000 records sent, 95057.0 records/sec (9.07 MB/sec), 163.58 ms avg latency, 400.00 ms max latency, 145 ms 50th, 300 ms 95th, 380 ms 99th, 398 ms 99.9th.`
 * (the periodic lines before it lack the percentiles).
 */
export function parseProducerPerformance(output: string): ProducerPerformanceSummary {
  const pattern = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency(?:, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th)?/;
  const lines = output.split(/\r?\n/).filter((l) => pattern.test(l));
  const line = lines.filter((l) => l.includes('50th')).pop() ?? lines.pop();
  const m = line ? pattern.exec(line) : null;
  if (!m) throw new Error(`no summary line in ProducerPerformance's output: ${output.slice(-500)}`);
  const optional = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
  return {
    records: Number(m[1]),
    recordsPerSecond: Number(m[2]),
    megabytesPerSecond: Number(m[3]),
    avgLatencyMs: Number(m[4]),
    maxLatencyMs: Number(m[5]),
    p50Ms: optional(m[6]),
    p95Ms: optional(m[7]),
    p99Ms: optional(m[8]),
    p999Ms: optional(m[9]),
  };
}

/** `redis-benchmark -q` prints `SET: 847457.62 requests per second, p50=0.391 msec` (after \r-separated progress). */
export function parseRedisBenchmark(output: string, test = 'SET'): { requestsPerSecond: number; p50Ms: number | null } {
  const pattern = new RegExp(`${test}: ([\\d.]+) requests per second(?:, p50=([\\d.]+) msec)?`);
  const line = output.split(/[\r\n]+/).filter((l) => pattern.test(l)).pop();
  const m = line ? pattern.exec(line) : null;
  if (!m) throw new Error(`no ${test} result in redis-benchmark's output: ${output.slice(-500)}`);
  return { requestsPerSecond: Number(m[1]), p50Ms: m[2] === undefined ? null : Number(m[2]) };
}

/** The milliseconds of the last `Time: 123.456 ms` line psql's `\timing` printed. */
export function parsePsqlTiming(output: string): number {
  const times = [...output.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]));
  const last = times.pop();
  if (last === undefined) throw new Error(`no timing in psql's output: ${output.slice(-500)}`);
  return last;
}

/**
 * `rows` measurement rows as CSV (`path,time,value,received_at`), shaped like
 * the simulator's: 1000 devices of 3 metrics each, one reading per series per
 * second, so (path, time) is unique.
 */
export function measurementRowsCsv(rows: number, startMs = Date.UTC(2024, 0, 1)): string {
  const metrics = ['temperature', 'energy_kwh', 'pulses'];
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const series = i % 3000;
    const device = Math.floor(series / 3);
    const path = `/tenant-${String((device % 5) + 1).padStart(2, '0')}/site-${String((Math.floor(device / 5) % 4) + 1).padStart(2, '0')}/dev-${String(device + 1).padStart(5, '0')}/${metrics[series % 3]}`;
    const time = startMs + Math.floor(i / 3000) * 1000;
    lines.push(`${path},${new Date(time).toISOString()},${((i * 7919) % 100_000) / 100},${new Date(time + 35).toISOString()}`);
  }
  return `${lines.join('\n')}\n`;
}
