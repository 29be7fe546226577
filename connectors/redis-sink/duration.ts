/** Durations as written in options: `500ms`, `24h`, `30d`, `2y` (a year is 365 days). */
export const durationPattern = /^([1-9][0-9]*)(ms|s|m|h|d|w|y)$/;

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

export function parseDuration(text: string): number {
  const match = durationPattern.exec(text);
  if (!match) throw new Error(`duration ${JSON.stringify(text)} is not <number><ms|s|m|h|d|w|y>`);
  return Number(match[1]) * unitMs[match[2]!]!;
}
