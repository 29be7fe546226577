/**
 * Durations as every option writes them: a whole number and a unit, `500ms`,
 * `30s`, `5m`, `24h`, `7d`, `2w`, `1y` (a year is 365 days). The one parser of
 * durations: options, resolutions (schemas/resolution.ts) and horizons all use it.
 */
export const durationUnits = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 } as const;
export type DurationUnit = keyof typeof durationUnits;

const durationPattern = /^([0-9]+)(ms|s|m|h|d|w|y)$/;

export interface ParsedDuration {
  amount: number;
  unit: DurationUnit;
  ms: number;
}

/** `'7d'` -> `{ amount: 7, unit: 'd', ms: 604800000 }`; undefined when the text is not a duration. */
export function readDuration(text: string): ParsedDuration | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as DurationUnit;
  const ms = amount * durationUnits[unit];
  return Number.isSafeInteger(ms) ? { amount, unit, ms } : undefined;
}

/** `'30s'` -> 30000; throws a message that shows the accepted form. */
export function parseDuration(text: string): number {
  const parsed = readDuration(text);
  if (!parsed) throw new Error(`${JSON.stringify(text)} is not a duration: write a whole number and a unit (ms, s, m, h, d, w, y), for example 30s, 5m, 7d`);
  return parsed.ms;
}

/** 90000 -> `'90s'`: the largest unit that divides it, for messages and generated defaults. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's'] as const) {
    if (ms % durationUnits[unit] === 0) return `${ms / durationUnits[unit]}${unit}`;
  }
  return `${ms}ms`;
}
