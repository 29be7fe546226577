/**
 * The series the registry says should report: those the timescale-sink has
 * stored (`series`, with `last_seen`) of devices the registry holds, with
 * the device's state. The no-data check takes them as known even when the
 * processor has not seen them since its last start (an idle pair is not in
 * its state changelog), so a device that died while the processor was down
 * still opens its no-data alert; and it leaves out the series of disabled
 * and revoked devices, which are not expected to report.
 */
import type { Pool } from 'pg';
import { databaseError } from '../../lib/pg-error-class';
import { qualified, registryTableNames, seriesTable } from '../../schemas/tables';

export interface SeriesStanding {
  /** when the timescale-sink last stored a reading of it (epoch ms), lagging the newest by at most its TIMESCALE_SINK_LAST_SEEN_GRANULARITY */
  lastSeen: number;
  /** the device is active in the registry: not disabled or revoked */
  active: boolean;
}

/** The series of registered devices of `tenants`, by path. */
export async function loadExpectedSeries(pool: Pool, schemas: { registry: string; series: string }, tenants: readonly string[]): Promise<Map<string, SeriesStanding>> {
  if (tenants.length === 0) return new Map();
  const devices = registryTableNames(schemas.registry).devices;
  try {
    const { rows } = await pool.query<{ path: string; last_seen: string; state: string }>(
      `select s.path, (extract(epoch from s.last_seen) * 1000)::bigint as last_seen, d.state
       from ${qualified(schemas.series, seriesTable)} s join ${devices} d on d.tenant = s.tenant and d.site = s.site and d.name = s.device
       where s.tenant = any($1)`,
      [tenants],
    );
    return new Map(rows.map((r) => [r.path, { lastSeen: Number(r.last_seen), active: r.state === 'active' }]));
  } catch (error) {
    // no `series` table in that schema (no timescale-sink there): no series known beyond those read
    if ((error as { code?: unknown }).code === '42P01') return new Map();
    throw databaseError(error, 'reading the series of registered devices');
  }
}
