/**
 * The archived-days table (`0010_archive`): which (destination, tenant, day)
 * are done, and which of them late raw readings made stale.
 */
import type { Pool } from 'pg';
import { archivedDaysTable, measurementsTable, qualified, seriesTable, tooOldReadingsTable } from '../../schemas/tables';

interface ArchivedDayCounts {
  tenant: string;
  day: string;
  revision: number;
  rows: number;
  files: number;
  bytes: number;
  snapshotAt: Date;
}

export interface ArchivedDay extends ArchivedDayCounts {
  archivedAt: Date;
}

export interface ArchivedDayRecord extends ArchivedDayCounts {
  destination: string;
  manifestSha256: string;
  schemaVersion: number;
}

export class ArchiveStore {
  private readonly table: string;

  constructor(private readonly pool: Pool, private readonly schema: string) {
    this.table = qualified(schema, archivedDaysTable);
  }

  async archived(destination: string, since?: string, until?: string): Promise<ArchivedDay[]> {
    const { rows } = await this.pool.query<{ tenant: string; day: string; revision: number; rows: string; files: number; bytes: string; snapshot_at: Date; archived_at: Date }>(
      `select tenant, to_char(day, 'YYYY-MM-DD') as day, revision, rows, files, bytes, snapshot_at, archived_at from ${this.table}
       where destination = $1 and ($2::date is null or day >= $2::date) and ($3::date is null or day <= $3::date) order by day, tenant`,
      [destination, since ?? null, until ?? null],
    );
    return rows.map((r) => ({ tenant: r.tenant, day: r.day, revision: r.revision, rows: Number(r.rows), files: r.files, bytes: Number(r.bytes), snapshotAt: r.snapshot_at, archivedAt: r.archived_at }));
  }

  /**
   * Archived days with raw readings stored after their export's snapshot:
   * readings older than the correction horizon, which the rollups left out
   * (`too_old_readings`) but `measurements` holds. That table is small (only
   * what arrived too late), so this is one cheap join.
   */
  async stale(destination: string): Promise<{ tenant: string; day: string }[]> {
    const { rows } = await this.pool.query<{ tenant: string; day: string }>(
      `select distinct a.tenant, to_char(a.day, 'YYYY-MM-DD') as day
       from ${qualified(this.schema, tooOldReadingsTable)} t
       join ${qualified(this.schema, measurementsTable)} m on m.path = t.path and m.time = t.time
       join ${this.table} a on a.destination = $1 and a.tenant = split_part(t.path, '/', 2) and a.day = (t.time at time zone 'UTC')::date
       where m.received_at > a.snapshot_at`,
      [destination],
    );
    return rows;
  }

  /** The tenants with series, and the day of the oldest series (the default --since). */
  async tenants(): Promise<{ tenants: string[]; firstDay: string | null }> {
    const { rows } = await this.pool.query<{ tenant: string; first: Date }>(`select tenant, min(first_seen) as first from ${qualified(this.schema, seriesTable)} group by tenant order by tenant`);
    const first = rows.reduce<number | null>((min, r) => (min === null || r.first.getTime() < min ? r.first.getTime() : min), null);
    return { tenants: rows.map((r) => r.tenant), firstDay: first === null ? null : new Date(first).toISOString().slice(0, 10) };
  }

  async record(day: ArchivedDayRecord): Promise<void> {
    await this.pool.query(
      `insert into ${this.table} (destination, tenant, day, revision, rows, files, bytes, manifest_sha256, schema_version, snapshot_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (destination, tenant, day) do update set revision = excluded.revision, rows = excluded.rows, files = excluded.files, bytes = excluded.bytes,
         manifest_sha256 = excluded.manifest_sha256, schema_version = excluded.schema_version, snapshot_at = excluded.snapshot_at, archived_at = now()`,
      [day.destination, day.tenant, day.day, day.revision, day.rows, day.files, day.bytes, day.manifestSha256, day.schemaVersion, day.snapshotAt],
    );
  }
}
