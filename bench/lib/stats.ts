/**
 * Statistics for benchmark repetitions and latency samples. Pure functions;
 * quantiles interpolate linearly between order statistics (type 7, as in R and
 * numpy's default).
 */

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The q-quantile (0..1) of values already sorted ascending. */
export function quantileSorted(ascending: readonly number[], q: number): number {
  if (ascending.length === 0) return Number.NaN;
  const position = (ascending.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = ascending[lower] as number;
  const b = ascending[upper] as number;
  return a + (b - a) * (position - lower);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(sorted(values), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Median and spread of a set of repetitions. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  iqr: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  return { n: s.length, median: quantileSorted(s, 0.5), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, q1, q3, iqr: q3 - q1 };
}

/** `median (min-max)`, rounded: a one-line result's figure. */
export function medianAndRange(s: Pick<Summary, 'median' | 'min' | 'max'>): string {
  return `${Math.round(s.median)} (${Math.round(s.min)}-${Math.round(s.max)})`;
}

/** Latency percentiles of a set of samples (any unit; the benchmarks use ms). */
export interface LatencySummary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  min: number;
  max: number;
}

export function latencyPercentiles(samples: readonly number[]): LatencySummary {
  const s = sorted(samples);
  return {
    n: s.length,
    mean: mean(s),
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
    p999: quantileSorted(s, 0.999),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
  };
}

/** Summaries of every numeric field over repetitions: `{ rate: Summary, ... }`. */
export function summarizeFields<T extends object>(repetitions: readonly T[]): Record<string, Summary> {
  const fields = new Set<string>();
  for (const r of repetitions) for (const [k, v] of Object.entries(r)) if (typeof v === 'number') fields.add(k);
  return Object.fromEntries([...fields].map((k) => [k, summarize(repetitions.map((r) => (r as Record<string, unknown>)[k]).filter((v): v is number => typeof v === 'number'))]));
}

/**
 * The q-quantile of the samples arriving in each whole second from `from`
 * (epoch ms) until `to`: `{ second, value }` per second with samples, the
 * second counted from `from`. `at[i]` is when sample `values[i]` arrived.
 */
export function quantilePerSecond(values: readonly number[], at: readonly number[], q: number, from: number, to: number): { second: number; value: number }[] {
  const buckets = new Map<number, number[]>();
  values.forEach((value, i) => {
    const t = at[i]!;
    if (t < from || t >= to) return;
    const second = Math.floor((t - from) / 1000);
    const bucket = buckets.get(second);
    if (bucket) bucket.push(value);
    else buckets.set(second, [value]);
  });
  return [...buckets].sort(([a], [b]) => a - b).map(([second, bucket]) => ({ second, value: quantile(bucket, q) }));
}
