/**
 * The SQL oracle of the rollups: every window's rollup computed in SQL
 * (`date_bin`, and `lag()` for energy increments) over raw readings, written
 * independently of the processor and of stored-windows.ts.
 */
import type { Pool } from 'pg';
import { resolutionMs } from '../../schemas/resolution';
import type { ExpectedRollup } from './oracle-dataset';

export const oracleResolutions = ['1m', '1h', '1d'] as const;
export type OracleResolution = (typeof oracleResolutions)[number];

/** The raw readings the timescale-sink stored, with each series' kind: a relation for `sqlRollups`. */
export const storedReadings = '(select m.path, s.kind, m.time, m.value from measurements m join series s using (path))';

/**
 * The rollups of every window by SQL over `relation (path, kind, time, value)`,
 * keyed `path@windowStart`. Energy: the increment of a reading is its rise over
 * the one before, the reading itself after a decrease (a reset), 0 for a
 * series' first reading.
 */
export async function sqlRollups(pool: Pool, resolution: OracleResolution, relation = 'readings'): Promise<Map<string, ExpectedRollup>> {
  const { rows } = await pool.query<Record<string, string | number | null>>(
    `with increments as (
       select path, kind, time, value,
              case when kind <> 'energy' then null
                   when lag(value) over w is null then 0
                   when value >= lag(value) over w then value - lag(value) over w
                   else value end as increment,
              case when kind = 'energy' and value < lag(value) over w then 1 else 0 end as reset
       from ${relation} r window w as (partition by path order by time))
     select path, kind, extract(epoch from date_bin($1::interval, time, timestamptz 'epoch')) * 1000 as window_start,
            count(*) as count, sum(value) as sum, min(value) as min, max(value) as max,
            (array_agg(value order by time))[1] as first, extract(epoch from min(time)) * 1000 as first_time,
            (array_agg(value order by time desc))[1] as last, extract(epoch from max(time)) * 1000 as last_time,
            sum(increment) as delta, sum(reset) as resets
     from increments group by path, kind, date_bin($1::interval, time, timestamptz 'epoch')`,
    [`${resolutionMs(resolution)} milliseconds`],
  );
  const out = new Map<string, ExpectedRollup>();
  for (const row of rows) {
    const windowStart = Number(row.window_start);
    out.set(`${row.path}@${windowStart}`, {
      path: String(row.path), kind: row.kind as ExpectedRollup['kind'], windowStart, windowEnd: windowStart + resolutionMs(resolution),
      count: Number(row.count), sum: Number(row.sum), min: Number(row.min), max: Number(row.max), first: Number(row.first), firstTime: Number(row.first_time),
      last: Number(row.last), lastTime: Number(row.last_time), delta: row.delta === null ? null : Number(row.delta), resets: Number(row.resets),
    });
  }
  return out;
}
