/**
 * Where a (tenant, day)'s files go under the destination's prefix, Hive-style
 * so query engines (DuckDB, Spark, Athena) prune by tenant and day:
 * `tenant=<tenant>/day=<YYYY-MM-DD>/<table>.csv.gz` and, written last,
 * `tenant=<tenant>/day=<YYYY-MM-DD>/manifest.json`. Pure.
 */
export const archiveTables = ['measurements', 'rollups_1m', 'rollups_1h', 'rollups_1d'] as const;
export type ArchiveTable = (typeof archiveTables)[number];

/** The folder of one tenant's day. */
export function dayFolder(tenant: string, day: string): string {
  return `tenant=${tenant}/day=${day}`;
}

export function tableFileName(table: ArchiveTable): string {
  return `${table}.csv.gz`;
}

export function tableFileKey(tenant: string, day: string, table: ArchiveTable): string {
  return `${dayFolder(tenant, day)}/${tableFileName(table)}`;
}

export function manifestKey(tenant: string, day: string): string {
  return `${dayFolder(tenant, day)}/manifest.json`;
}

/** A name no reader takes for a finished file: a run writes here, then renames (a directory) or completes its upload (S3). */
export function partialKey(key: string, runId: string): string {
  const slash = key.lastIndexOf('/');
  return `${key.slice(0, slash + 1)}.partial-${runId}-${key.slice(slash + 1)}`;
}

export function isPartialName(name: string): boolean {
  return name.startsWith('.partial-');
}
