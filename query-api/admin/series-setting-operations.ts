/** The admin API's series settings of one device, authorized for the caller (caller.ts). */
import { FleetstreamError } from '../../lib/errors';
import { getSeriesSetting, listSeriesSettings, setSeriesSetting, type DeviceAddress, type Registry, type SeriesSetting } from '../../registry';
import { seriesPath } from '../../schemas/series-path';
import type { ParameterKind } from '../../schemas/types';
import { authorize, type Caller } from './caller';

export interface SeriesSettingOperations {
  list(caller: Caller, device: DeviceAddress): Promise<SeriesSetting[]>;
  /** SERIES_SETTING_NOT_FOUND when none is set. */
  get(caller: Caller, device: DeviceAddress, metric: string): Promise<SeriesSetting>;
  set(caller: Caller, device: DeviceAddress, metric: string, setting: { kind: ParameterKind; unit?: string | null }): Promise<SeriesSetting>;
}

export function seriesSettingOperations(registry: Registry): SeriesSettingOperations {
  return {
    async list(caller, device) {
      authorize(caller, 'read', device.tenant);
      const settings = await listSeriesSettings(registry, { tenant: device.tenant, site: device.site });
      return settings.filter((setting) => setting.device === device.device);
    },
    async get(caller, device, metric) {
      authorize(caller, 'read', device.tenant);
      const path = seriesPath(device, metric);
      const setting = await getSeriesSetting(registry, path);
      if (!setting) throw new FleetstreamError('SERIES_SETTING_NOT_FOUND', `series ${path} has no setting in the registry; set one with PUT`);
      return setting;
    },
    set(caller, device, metric, setting) {
      authorize(caller, 'admin', device.tenant);
      return setSeriesSetting(registry, seriesPath(device, metric), setting);
    },
  };
}
