/**
 * Per-series settings: the kind (how the series rolls up) and unit of one
 * series path `/<tenant>/<site>/<device>/<metric>`. They need no device in the
 * registry (a catalogue file may seed them before the devices exist) and
 * outlive a removed device, whose stored series keep their kind.
 */
import { FleetstreamError } from '../lib/errors';
import { parseSeriesPath, segmentProblem, type SeriesIdentity } from '../schemas/series-path';
import { parameterKinds, type ParameterKind } from '../schemas/types';
import { scopeFilter, type RegistryScope } from './registry-scope';
import { registryQuery, type Registry } from './registry-connection';
import { writeRegistry } from './registry-write';

export interface SeriesSetting extends SeriesIdentity {
  path: string;
  kind: ParameterKind;
  unit: string | null;
  updatedAt: Date;
  revision: number;
}

interface SettingRow extends Record<string, unknown> {
  path: string;
  tenant: string;
  site: string;
  device: string;
  metric: string;
  kind: ParameterKind;
  unit: string | null;
  updated_at: Date;
  revision: string;
}

const settingColumns = 'path, tenant, site, device, metric, kind, unit, updated_at, revision';

function settingFromRow(row: SettingRow): SeriesSetting {
  return { path: row.path, tenant: row.tenant, site: row.site, device: row.device, metric: row.metric, kind: row.kind, unit: row.unit, updatedAt: row.updated_at, revision: Number(row.revision) };
}

function checkedPath(path: string): SeriesIdentity {
  const series = parseSeriesPath(path);
  if (series) return series;
  const segments = path.split('/').slice(1);
  const problem = ['tenant', 'site', 'device', 'metric'].map((name, i) => segmentProblem(name, segments[i] ?? '')).find(Boolean);
  throw new FleetstreamError('NAME_INVALID', `"${path}" is not a series path /<tenant>/<site>/<device>/<metric>${problem && segments.length === 4 ? `: ${problem}` : ''}`);
}

/** Sets (or replaces) a series' kind and unit. */
export async function setSeriesSetting(registry: Registry, path: string, setting: { kind: ParameterKind; unit?: string | null }): Promise<SeriesSetting> {
  const series = checkedPath(path);
  if (!parameterKinds.includes(setting.kind)) throw new FleetstreamError('REGISTRY_INPUT_INVALID', `kind "${String(setting.kind)}" is not one of ${parameterKinds.join(', ')}`);
  return writeRegistry(registry, `setting series ${path}`, async (write) => {
    const { rows } = await write.client.query<SettingRow>(
      `insert into ${registry.tables.seriesSettings} (path, tenant, site, device, metric, kind, unit, revision) values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (path) do update set kind = excluded.kind, unit = excluded.unit, revision = excluded.revision, updated_at = now()
       returning ${settingColumns}`,
      [path, series.tenant, series.site, series.device, series.metric, setting.kind, setting.unit ?? null, write.revision],
    );
    write.notify({ type: 'series_setting', change: 'set', path, ...series });
    return settingFromRow(rows[0]!);
  });
}

/** A series' setting, or undefined when none is set. */
export async function getSeriesSetting(registry: Registry, path: string): Promise<SeriesSetting | undefined> {
  checkedPath(path);
  const [row] = await registryQuery<SettingRow>(registry, `reading series ${path}`, `select ${settingColumns} from ${registry.tables.seriesSettings} where path = $1`, [path]);
  return row && settingFromRow(row);
}

/** Every setting, or those of one tenant or site, ordered by path. */
export async function listSeriesSettings(registry: Registry, scope?: RegistryScope): Promise<SeriesSetting[]> {
  const { filter, values } = scopeFilter(scope);
  const rows = await registryQuery<SettingRow>(registry, 'listing series settings', `select ${settingColumns} from ${registry.tables.seriesSettings} ${filter} order by path`, values);
  return rows.map(settingFromRow);
}

/** Removes a series' setting; SERIES_SETTING_NOT_FOUND when none is set. */
export async function removeSeriesSetting(registry: Registry, path: string): Promise<void> {
  const series = checkedPath(path);
  await writeRegistry(registry, `removing series ${path}`, async (write) => {
    const removed = await write.client.query(`delete from ${registry.tables.seriesSettings} where path = $1`, [path]);
    if (removed.rowCount === 0) throw new FleetstreamError('SERIES_SETTING_NOT_FOUND', `series ${path} has no setting in the registry`);
    write.notify({ type: 'series_setting', change: 'removed', path, ...series });
  });
}
