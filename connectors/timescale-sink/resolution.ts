/**
 * Rollup resolutions as written in configuration (`1m`, `15m`, `1h`, `1d`):
 * their length and their PostgreSQL interval (the table that holds them: schemas/tables.ts).
 */
const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const unitName = { s: 'second', m: 'minute', h: 'hour', d: 'day' } as const;

export const resolutionPattern = /^([1-9][0-9]*)([smhd])$/;

function parts(resolution: string): { n: number; unit: keyof typeof unitMs } {
  const match = resolutionPattern.exec(resolution);
  if (!match) throw new Error(`resolution ${JSON.stringify(resolution)} is not <number><s|m|h|d> (for example 1m, 1h, 1d)`);
  return { n: Number(match[1]), unit: match[2] as keyof typeof unitMs };
}

export function resolutionMs(resolution: string): number {
  const { n, unit } = parts(resolution);
  return n * unitMs[unit];
}

/** `1m` -> `1 minute`, usable as `interval '1 minute'` and in `time_bucket`/`date_bin`. */
export function resolutionInterval(resolution: string): string {
  const { n, unit } = parts(resolution);
  return `${n} ${unitName[unit]}${n === 1 ? '' : 's'}`;
}
