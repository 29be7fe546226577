import type { Pool } from 'pg';

/**
 * Raw readings in PostgreSQL's `measurements` stamped from `since` (epoch ms) on, of the series of
 * tenants named `<prefix>-...` (the simulator's `tenantPrefix`). The time bound lets the planner
 * take the time index to the few recent rows (with statistics: see `analyzeMeasurements`); the
 * prefix alone scanned the whole table, 9.8 million rows after a late-backlog run, every 200 ms,
 * which loaded the PostgreSQL being measured and made the stores look seconds late.
 */
export async function storedReadingsSince(pool: Pool, prefix: string, since: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from measurements where time >= to_timestamp($2::double precision / 1000) and path like $1', [`/${prefix}-%`, since]);
  return Number(rows[0]?.n ?? 0);
}

/** Statistics for the planner of the counts above, which a PostgreSQL without autovacuum never gathers. */
export async function analyzeMeasurements(pool: Pool): Promise<void> {
  await pool.query('analyze measurements');
}

/**
 * Raw readings in PostgreSQL's `measurements` of the series `paths`: index lookups while the planner expects
 * few rows; thousands of paths over a table of millions of rows it may scan instead (about 1 s for 6,000 paths
 * over 9.8 million rows), so callers look every few seconds, not every 200 ms.
 */
export async function storedReadingsOf(pool: Pool, paths: readonly string[]): Promise<number> {
  return Number((await pool.query<{ n: string }>('select count(*) as n from measurements where path = any($1::text[])', [paths])).rows[0]?.n ?? 0);
}

/**
 * Waits until `count()` (say `storedReadingsSince` of a prefix) reaches `expected`,
 * or has not moved for 15 s; returns the count and when it last grew (epoch
 * ms, known to the 200 ms between polls).
 */
export async function waitStored(count: () => Promise<number>, expected: number, log: (line: string) => void): Promise<{ stored: number; at: number }> {
  let stored = 0;
  let at = Date.now();
  let lastChange = Date.now();
  let polls = 0;
  for (;;) {
    const n = await count();
    if (n !== stored) {
      stored = n;
      at = Date.now();
      lastChange = at;
    }
    if (stored >= expected || Date.now() - lastChange > 15_000) return { stored, at };
    if (++polls % 5 === 0) log(`  waiting for the stores: ${stored} of ${expected} readings in PostgreSQL`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
