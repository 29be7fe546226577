/** Rollup resolutions such as `1m`, `15m`, `1h`, `1d`: tumbling windows aligned to UTC (to the epoch). */
const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function resolutionMs(resolution: string): number {
  const match = /^(\d+)([smhd])$/.exec(resolution);
  if (!match) throw new Error(`resolution "${resolution}" must be a whole number and s, m, h or d (1m, 1h, 1d)`);
  const ms = Number(match[1]) * units[match[2]!]!;
  if (ms <= 0 || 86_400_000 % ms !== 0) throw new Error(`resolution "${resolution}" must divide a day, so windows align to UTC midnight`);
  return ms;
}

export function windowStartOf(timestamp: number, sizeMs: number): number {
  return timestamp - (((timestamp % sizeMs) + sizeMs) % sizeMs);
}

/** Resolutions finest first, each a whole multiple of the one before it (so each stage merges the previous one's windows). */
export function validateCascade(resolutions: readonly string[]): void {
  for (let i = 1; i < resolutions.length; i++) {
    const finer = resolutionMs(resolutions[i - 1]!);
    const coarser = resolutionMs(resolutions[i]!);
    if (coarser <= finer || coarser % finer !== 0) throw new Error(`resolution ${resolutions[i]} must be a whole multiple of ${resolutions[i - 1]}, the one before it`);
  }
}
