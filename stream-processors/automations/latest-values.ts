/**
 * The latest value of series, for conditions that compare one: the newest
 * raw reading the timescale-sink stored (`measurements`, in the data schema).
 */
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import { measurementsTable, qualified } from '../../schemas/tables';

export type LatestValues = (paths: readonly string[]) => Promise<Map<string, number>>;

export function latestValuesFrom(pool: Pool, dataSchema: string): LatestValues {
  const table = qualified(dataSchema, measurementsTable);
  return async (paths) => {
    if (paths.length === 0) return new Map();
    try {
      const { rows } = await pool.query<{ path: string; value: number }>(`select distinct on (path) path, value from ${table} where path = any($1) order by path, time desc`, [[...new Set(paths)]]);
      return new Map(rows.map((r) => [r.path, r.value]));
    } catch (error) {
      throw databaseError(error, 'reading the latest values of series');
    }
  };
}
