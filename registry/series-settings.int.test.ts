import type { FleetstreamError } from '../lib/errors';
import { freshRegistry } from './registry.fixture';
import type { Registry } from './registry-connection';
import { getSeriesSetting, listSeriesSettings, removeSeriesSetting, setSeriesSetting } from './series-settings';

describe('registry series settings', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  it('set, replace, get, list by scope and remove a series\' kind and unit', async () => {
    const set = await setSeriesSetting(registry, '/acme/p1/meter/energy_kwh', { kind: 'energy', unit: 'kWh' });
    expect(set).toMatchObject({ path: '/acme/p1/meter/energy_kwh', tenant: 'acme', site: 'p1', device: 'meter', metric: 'energy_kwh', kind: 'energy', unit: 'kWh' });
    await setSeriesSetting(registry, '/acme/p2/probe/temperature', { kind: 'non_additive' });
    const replaced = await setSeriesSetting(registry, '/acme/p1/meter/energy_kwh', { kind: 'additive', unit: 'Wh' });
    expect(replaced.revision).toBeGreaterThan(set.revision);
    expect(await getSeriesSetting(registry, '/acme/p1/meter/energy_kwh')).toMatchObject({ kind: 'additive', unit: 'Wh' });
    expect(await getSeriesSetting(registry, '/acme/p1/meter/nothing')).toBeUndefined();
    expect((await listSeriesSettings(registry, { tenant: 'acme' })).map((s) => s.path)).toEqual(['/acme/p1/meter/energy_kwh', '/acme/p2/probe/temperature']);
    expect((await listSeriesSettings(registry, { tenant: 'acme', site: 'p2' })).map((s) => [s.path, s.unit])).toEqual([['/acme/p2/probe/temperature', null]]);
    await removeSeriesSetting(registry, '/acme/p2/probe/temperature');
    expect(await getSeriesSetting(registry, '/acme/p2/probe/temperature')).toBeUndefined();
  });

  it('refuse a path that is not four segments, a bad kind, and removing what is not set', async () => {
    const codeOf = (work: Promise<unknown>) => work.then(() => undefined, (error: FleetstreamError) => error.code);
    expect(await codeOf(setSeriesSetting(registry, '/acme/p1/meter', { kind: 'energy' }))).toBe('NAME_INVALID');
    expect(await codeOf(setSeriesSetting(registry, '/acme/p1/me+ter/x', { kind: 'energy' }))).toBe('NAME_INVALID');
    expect(await codeOf(setSeriesSetting(registry, '/acme/p1/meter/x', { kind: 'gauge' as 'energy' }))).toBe('REGISTRY_INPUT_INVALID');
    expect(await codeOf(removeSeriesSetting(registry, '/acme/p1/meter/never'))).toBe('SERIES_SETTING_NOT_FOUND');
  });
});
