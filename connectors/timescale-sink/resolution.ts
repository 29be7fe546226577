import { parseResolution } from '../../schemas/resolution';

/** The table that holds one resolution's rollups; the name is validated, so it cannot inject SQL. */
export function rollupTable(resolution: string): string {
  return `rollups_${parseResolution(resolution).name}`;
}
