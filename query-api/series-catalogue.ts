import { FleetstreamError } from '../lib/errors';
import type { ParameterKind } from '../schemas/types';
import type { Tables } from '../schemas/tables';
import { epochMs, type Database } from './database';
import type { PathFilter } from './query-language/ast';
import { checkLikePattern, checkPath, checkPrefix, scopeRoot, type TenantScope } from './tenant-scope';

export interface SeriesInfo {
  path: string;
  kind: ParameterKind;
  unit: string | null;
}

export interface SeriesListing extends SeriesInfo {
  tenant: string;
  site: string;
  device: string;
  metric: string;
  firstSeen: number;
  lastSeen: number;
}

/** How long a series' kind and unit are reused without asking PostgreSQL again. */
const seriesCacheMs = 10_000;
const seriesCacheSize = 10_000;
const seriesCache = new Map<string, { info: SeriesInfo; until: number }>();

async function seriesByPath(db: Database, tables: Tables, path: string): Promise<SeriesInfo | undefined> {
  const key = `${tables.series}\u0000${path}`;
  const cached = seriesCache.get(key);
  const now = Date.now();
  if (cached && cached.until > now) return cached.info;
  const [row] = await db.query<SeriesInfo>(`select path, kind, unit from ${tables.series} where path = $1`, [path]);
  if (row) {
    if (seriesCache.size >= seriesCacheSize) seriesCache.clear();
    seriesCache.set(key, { info: row, until: now + seriesCacheMs });
  }
  return row;
}

/**
 * The series a query's `where` names, inside the scope, ordered by path. An
 * equality on a path that is not in the catalogue is SERIES_NOT_FOUND.
 */
export async function matchSeries(db: Database, tables: Tables, scope: TenantScope, filter: PathFilter, maxSeries: number): Promise<SeriesInfo[]> {
  if (filter.kind === 'equals') {
    checkPath(scope, filter.path);
    const series = await seriesByPath(db, tables, filter.path);
    if (!series) throw new FleetstreamError('SERIES_NOT_FOUND', `no series ${filter.path}; list the known ones with GET /v1/series?prefix=...`);
    return [series];
  }
  checkLikePattern(scope, filter.pattern);
  const rows = await db.query<SeriesInfo>(
    `select path, kind, unit from ${tables.series} where path like $1 and starts_with(path, $2) order by path limit $3`,
    [filter.pattern, scopeRoot(scope), maxSeries + 1],
  );
  if (rows.length > maxSeries) {
    throw new FleetstreamError('TOO_MANY_POINTS', `the pattern ${filter.pattern} matches more than ${maxSeries} series; narrow it or add limit`);
  }
  return rows;
}

/** The series under a path prefix (the device hierarchy), inside the scope. */
export async function listSeries(db: Database, tables: Tables, scope: TenantScope, prefix: string, limit: number): Promise<{ series: SeriesListing[]; truncated: boolean }> {
  const normalized = checkPrefix(scope, prefix);
  const rows = await db.query<SeriesListing>(
    `select path, tenant, site, device, metric, kind, unit, ${epochMs('first_seen')} as "firstSeen", ${epochMs('last_seen')} as "lastSeen"
       from ${tables.series} where starts_with(path, $1) and starts_with(path, $2) order by path limit $3`,
    [normalized, scopeRoot(scope), limit + 1],
  );
  return { series: rows.slice(0, limit), truncated: rows.length > limit };
}
