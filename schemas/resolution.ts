import { z } from 'zod';
import { readDuration } from '../lib/duration';

/**
 * Rollup resolutions (`1m`, `15m`, `1h`, `1d`): tumbling windows aligned to the
 * epoch, so to UTC midnight. A resolution is a duration in s, m, h or d that
 * divides a day. The one parser of resolutions: the rollups processor, the
 * sinks and the query API all read them here.
 */
export interface Resolution {
  /** As written, and as in table and topic names: `1m`. */
  name: string;
  ms: number;
  /** Its PostgreSQL interval: `1 minute`, usable in `time_bucket` and `date_bin`. */
  interval: string;
}

const intervalUnit = { s: 'second', m: 'minute', h: 'hour', d: 'day' } as const;
const dayMs = 86_400_000;

/** The resolution, or the reason `name` is none. */
export function readResolution(name: string): Resolution | string {
  const duration = readDuration(name);
  if (!duration || !(duration.unit in intervalUnit) || duration.amount < 1 || String(duration.amount) + duration.unit !== name) {
    return `resolution ${JSON.stringify(name)} must be a whole number and s, m, h or d (1m, 15m, 1h, 1d)`;
  }
  if (dayMs % duration.ms !== 0) return `resolution ${JSON.stringify(name)} must divide a day, so windows align to UTC midnight`;
  const unit = intervalUnit[duration.unit as keyof typeof intervalUnit];
  return { name, ms: duration.ms, interval: `${duration.amount} ${unit}${duration.amount === 1 ? '' : 's'}` };
}

export function parseResolution(name: string): Resolution {
  const resolution = readResolution(name);
  if (typeof resolution === 'string') throw new Error(resolution);
  return resolution;
}

export function resolutionMs(name: string): number {
  return parseResolution(name).ms;
}

/** A resolution option: the name, validated. */
export const resolutionName = z.string().superRefine((name, ctx) => {
  const resolution = readResolution(name);
  if (typeof resolution === 'string') ctx.addIssue({ code: 'custom', message: resolution });
});

/** Start of the window of `sizeMs` that holds `timestamp`. */
export function windowStartOf(timestamp: number, sizeMs: number): number {
  return timestamp - (((timestamp % sizeMs) + sizeMs) % sizeMs);
}

/** Resolutions finest first, each a whole multiple of the one before it (so each stage merges the previous one's windows). */
export function cascadeProblem(resolutions: readonly string[]): string | undefined {
  for (let i = 1; i < resolutions.length; i++) {
    const finer = resolutionMs(resolutions[i - 1]!);
    const coarser = resolutionMs(resolutions[i]!);
    if (coarser <= finer || coarser % finer !== 0) return `resolution ${resolutions[i]} must be a whole multiple of ${resolutions[i - 1]}, the one before it`;
  }
  return undefined;
}
