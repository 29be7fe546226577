/**
 * Test data for the rollup oracles: a seeded, reproducible dataset of several
 * series of each kind, sampled irregularly, published in event-time order with
 * local shuffles, duplicates of (path, ts), energy counter resets, optionally
 * one device whose clock runs ahead, and a few readings deliberately later
 * than the allowed lateness of their own series; plus "flush" readings
 * far later that close every window of the data. And `expectedRollups`, an
 * independent computation of what the rollups of the accepted readings must
 * be (it shares no code with the processor). Pure: no I/O.
 */
import type { Measurement, ParameterKind, Rollup } from '../../schemas/types';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

export interface DatasetOptions {
  seed: number;
  /** event time of the first reading (epoch ms) */
  start: number;
  /** span of event time the data covers. Default 2 days. */
  durationMs?: number;
  /** devices; each has one series of each kind. Default 3. */
  devices?: number;
  tenant?: string;
  /** the processor's allowed lateness: deliberately-late readings are well beyond it, shuffles well within it. */
  latenessMs: number;
  /** how far (event time) a reading may be published after its place in time order. Default 3 min. */
  maxDisorderMs?: number;
  /** share of readings published out of order. Default 0.1. */
  disorderRate?: number;
  /** share of readings published twice. Default 0.02. */
  duplicateRate?: number;
  /** chance per energy reading of a counter reset. Default 0.005. */
  resetRate?: number;
  /** readings published later than the lateness allows. Default 6. */
  lateCount?: number;
  /** how far ahead the last device's clock runs: its readings are stamped this much after the others published beside them. Default 0. */
  clockSkewMs?: number;
}

export type DatasetSeries = Pick<Measurement, 'path' | 'tenant' | 'site' | 'device' | 'metric' | 'kind'>;

export interface DatasetReading {
  path: string;
  kind: ParameterKind;
  ts: number;
  value: number;
  /** a first reading, a copy of one published before (same path, ts, value), or one beyond the lateness */
  role: 'reading' | 'duplicate' | 'late';
  /** where in event time it is published: readings go out in the order of this, paced by it */
  publishAt: number;
}

export interface Dataset {
  series: DatasetSeries[];
  /** in publish order */
  readings: DatasetReading[];
  /** three rounds of one reading per series, each round to be consumed before the next is published */
  flush: DatasetReading[][];
  /** every window of the data ends at or before this (UTC midnight after the last reading); the flush readings come after it */
  compareUntil: number;
  /** the largest gap between two readings of one series */
  maxGapMs: number;
}

/** mulberry32: a small, fast, seeded PRNG giving floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const metricOf: Record<ParameterKind, string> = { energy: 'energy_kwh', additive: 'rain_mm', non_additive: 'temperature' };
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const MAX_GAP_MS = 15 * minute;
/** How much earlier (event time) than a late reading the reading that makes it late is published. */
export const LATE_MARGIN_MS = 20 * minute;

export function generateDataset(options: DatasetOptions): Dataset {
  const random = seededRandom(options.seed);
  const between = (a: number, b: number) => a + (b - a) * random();
  const durationMs = options.durationMs ?? 2 * day;
  const maxDisorderMs = options.maxDisorderMs ?? 3 * minute;
  const tenant = options.tenant ?? 'acme';
  if (maxDisorderMs * 2 > options.latenessMs) throw new Error('maxDisorderMs must be well within latenessMs (at most half)');
  const series: DatasetSeries[] = [];
  for (let d = 0; d < (options.devices ?? 3); d++) {
    for (const kind of ['energy', 'additive', 'non_additive'] as const) {
      const device = `dev${d}`;
      const metric = metricOf[kind];
      series.push({ path: `/${tenant}/site1/${device}/${metric}`, tenant, site: 'site1', device, metric, kind });
    }
  }

  const readings: DatasetReading[] = [];
  const timesOf = new Map<string, Set<number>>();
  const lastValue = new Map<string, number>();
  const skewedDevice = `dev${(options.devices ?? 3) - 1}`;
  /** the latest true time of a reading (a skewed clock's stamps are later) */
  let lastTrue = -Infinity;
  const skewOf = (path: string) => (series.find((s) => s.path === path)!.device === skewedDevice ? (options.clockSkewMs ?? 0) : 0);
  for (const s of series) {
    const times = new Set<number>();
    timesOf.set(s.path, times);
    const skew = skewOf(s.path);
    let ts = options.start + skew + Math.floor(between(0, 5 * minute));
    let value = s.kind === 'energy' ? round3(between(1000, 5000)) : s.kind === 'non_additive' ? round3(between(-5, 30)) : 0;
    while (ts < options.start + skew + durationMs) {
      if (s.kind === 'energy') {
        const r = random();
        if (r < (options.resetRate ?? 0.005)) value = round3(between(0, 5));
        else if (r < 0.1) value = value + 0; // an unchanged counter: increment 0, not a reset
        else value = round3(value + (r < 0.8 ? between(0, 2) : between(0, 20)));
      } else if (s.kind === 'additive') {
        value = random() < 0.1 ? 0 : round3(between(0, 10));
      } else {
        value = round3(value + between(-0.5, 0.5));
      }
      times.add(ts);
      const disordered = random() < (options.disorderRate ?? 0.1);
      readings.push({ path: s.path, kind: s.kind, ts, value, role: 'reading', publishAt: ts - skew + (disordered ? Math.floor(between(1, maxDisorderMs)) : 0) });
      lastTrue = Math.max(lastTrue, ts - skew);
      lastValue.set(s.path, value);
      // irregular sampling: bursts of a few seconds, a minute or two, now and then a gap of minutes
      const r = random();
      ts += Math.max(1, Math.floor(r < 0.5 ? between(1000, 20_000) : r < 0.8 ? between(20_000, 3 * minute) : between(3 * minute, MAX_GAP_MS)));
    }
  }

  const duplicates = readings
    .filter(() => random() < (options.duplicateRate ?? 0.02))
    .map((r): DatasetReading => ({ ...r, role: 'duplicate', publishAt: r.ts - skewOf(r.path) + Math.floor(between(1, maxDisorderMs)) }));

  // A late reading is published at `publishAt`; by then its own series' event time has passed its window's end by
  // more than the lateness: a reading of the series with (true) time in [publishAt - margin - disorder - gap,
  // publishAt - margin - disorder) went out before it, at least `margin` of event time earlier (so it is ahead of it
  // in the series' partition even if the connector reorders a little). A skewed clock stamps both alike.
  const margin = LATE_MARGIN_MS;
  const late: DatasetReading[] = [];
  const lastTs = Math.max(...readings.map((r) => r.ts));
  for (let i = 0; i < (options.lateCount ?? 6); i++) {
    const s = series[(i * 4) % series.length]!;
    const skew = skewOf(s.path);
    const publishAt = Math.floor(between(options.start + 0.3 * durationMs, lastTrue - 10 * minute));
    let ts = skew + Math.floor(publishAt - margin - maxDisorderMs - MAX_GAP_MS - options.latenessMs - minute - between(0, hour));
    const times = timesOf.get(s.path)!;
    while (times.has(ts)) ts++;
    times.add(ts);
    late.push({ path: s.path, kind: s.kind, ts, value: round3(between(0, 100)), role: 'late', publishAt });
  }

  const all = [...readings, ...duplicates, ...late].sort((a, b) => a.publishAt - b.publishAt || a.ts - b.ts);
  const compareUntil = Math.floor(lastTs / day) * day + day;
  const flushAt = [compareUntil + hour + minute, compareUntil + 4 * hour + minute, compareUntil + 7 * hour + minute];
  const flush = flushAt.map((ts, round) =>
    series.map((s): DatasetReading => {
      const value = s.kind === 'energy' ? round3(lastValue.get(s.path)! + round + 1) : round;
      return { path: s.path, kind: s.kind, ts, value, role: 'reading', publishAt: ts };
    }),
  );
  return { series, readings: all, flush, compareUntil, maxGapMs: MAX_GAP_MS };
}

/** The fields of a Rollup the oracle predicts (everything but identity details and emission bookkeeping). */
export type ExpectedRollup = Pick<Rollup, 'path' | 'kind' | 'windowStart' | 'windowEnd' | 'count' | 'sum' | 'min' | 'max' | 'first' | 'firstTime' | 'last' | 'lastTime' | 'delta' | 'resets'>;

/**
 * What the rollups of `readings` must be at window size `sizeMs` (windows
 * aligned to the epoch), by the definition: a (path, ts) counts once (the
 * first published), energy increments follow the series in time order
 * (v - prev, or v after a decrease, 0 for the first reading). Keyed `path@windowStart`.
 */
export function expectedRollups(readings: readonly Pick<DatasetReading, 'path' | 'kind' | 'ts' | 'value'>[], sizeMs: number): Map<string, ExpectedRollup> {
  const bySeries = new Map<string, Map<number, Pick<DatasetReading, 'path' | 'kind' | 'ts' | 'value'>>>();
  for (const r of readings) {
    let times = bySeries.get(r.path);
    if (!times) bySeries.set(r.path, (times = new Map()));
    if (!times.has(r.ts)) times.set(r.ts, r);
  }
  const out = new Map<string, ExpectedRollup>();
  for (const times of bySeries.values()) {
    let previous: number | undefined;
    for (const r of [...times.values()].sort((a, b) => a.ts - b.ts)) {
      const increment = previous === undefined ? 0 : r.value >= previous ? r.value - previous : r.value;
      const reset = previous !== undefined && r.value < previous ? 1 : 0;
      previous = r.value;
      const windowStart = r.ts - (((r.ts % sizeMs) + sizeMs) % sizeMs);
      const key = `${r.path}@${windowStart}`;
      const w = out.get(key);
      const energy = r.kind === 'energy';
      if (!w) {
        out.set(key, {
          path: r.path, kind: r.kind, windowStart, windowEnd: windowStart + sizeMs, count: 1, sum: r.value, min: r.value, max: r.value,
          first: r.value, firstTime: r.ts, last: r.value, lastTime: r.ts, delta: energy ? increment : null, resets: energy ? reset : 0,
        });
      } else {
        w.count++;
        w.sum += r.value;
        w.min = Math.min(w.min, r.value);
        w.max = Math.max(w.max, r.value);
        w.last = r.value;
        w.lastTime = r.ts;
        if (energy) {
          w.delta = (w.delta ?? 0) + increment;
          w.resets += reset;
        }
      }
    }
  }
  return out;
}
