import type { Pool } from 'pg';

/** Raw readings in PostgreSQL's `measurements` of the series of tenants named `<prefix>-...` (the simulator's `tenantPrefix`). */
export async function storedReadings(pool: Pool, prefix: string): Promise<number> {
  return Number((await pool.query<{ n: string }>('select count(*) as n from measurements where path like $1', [`/${prefix}-%`])).rows[0]?.n ?? 0);
}

/** Raw readings in PostgreSQL's `measurements` of the series `paths` (index lookups, however large the table). */
export async function storedReadingsOf(pool: Pool, paths: readonly string[]): Promise<number> {
  return Number((await pool.query<{ n: string }>('select count(*) as n from measurements where path = any($1::text[])', [paths])).rows[0]?.n ?? 0);
}

/**
 * Waits until `count()` (say `storedReadings` of a prefix) reaches `expected`,
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
