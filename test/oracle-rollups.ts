/**
 * Rollups computed from raw readings the plain way, for tests and benchmarks
 * that need rollup tables filled: written independently of the rollups
 * processor and of the query API. One window per series and resolution
 * bucket (epoch-aligned); each reading's increment is taken against the
 * previous reading of its series, even one in an earlier window; `delta`
 * (energy only) sums the increments, a decrease counting the reading itself
 * (a reset), the very first reading 0.
 */
import { parseSeriesPath } from '../schemas/series-path';
import type { Rollup } from '../schemas/types';
import type { GeneratedReading, SeriesSpec } from './generated-readings';

export function oracleRollups(series: readonly SeriesSpec[], readings: readonly GeneratedReading[], resolution: { name: string; ms: number }): Rollup[] {
  const rollups: Rollup[] = [];
  for (const s of series) {
    const identity = parseSeriesPath(s.path);
    if (!identity) throw new Error(`${s.path} is not a series path`);
    const own = readings.filter((r) => r.path === s.path).sort((a, b) => a.time - b.time);
    let previous: number | undefined;
    let window: Rollup | undefined;
    for (const { time, value } of own) {
      const windowStart = Math.floor(time / resolution.ms) * resolution.ms;
      if (window?.windowStart !== windowStart) {
        window = {
          path: s.path, ...identity, kind: s.kind, resolution: resolution.name, windowStart, windowEnd: windowStart + resolution.ms,
          count: 0, sum: 0, min: value, max: value, first: value, firstTime: time, last: value, lastTime: time,
          delta: s.kind === 'energy' ? 0 : null, resets: 0, final: true, revision: 0, computedAt: windowStart + resolution.ms,
        };
        rollups.push(window);
      }
      window.count += 1;
      window.sum += value;
      window.min = Math.min(window.min, value);
      window.max = Math.max(window.max, value);
      window.last = value;
      window.lastTime = time;
      if (previous !== undefined && value < previous) window.resets += 1;
      if (window.delta !== null) window.delta += previous === undefined ? 0 : value >= previous ? value - previous : value;
      window.revision = window.count * 2 + 1;
      previous = value;
    }
  }
  return rollups;
}
