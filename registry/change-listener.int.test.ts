import { eventually, onCleanup, testSettings } from '../test/factories';
import { createToken, revokeToken } from './api-tokens';
import { listenToRegistry } from './change-listener';
import { rotateCredentials } from './credentials';
import { addDevice, removeDevice, revokeDevice, setDeviceEnabled, updateDevice } from './devices';
import type { RegistryNotification } from './registry-change';
import { freshRegistry } from './registry.fixture';
import { removeSeriesSetting, setSeriesSetting } from './series-settings';

describe('registry notifications', () => {
  it('reach a LISTENing client for every change, with the revision of the write, and none for a write that failed', async () => {
    const registry = await freshRegistry();
    const heard: RegistryNotification[] = [];
    const listener = await listenToRegistry({ databaseUrl: testSettings().databaseUrl, databaseSchema: registry.schema }, (n) => heard.push(n));
    onCleanup(() => listener.close());
    const next = async (work: () => Promise<unknown>, count: number): Promise<RegistryNotification[]> => {
      const from = heard.length;
      await work();
      await eventually(() => (heard.length >= from + count ? true : undefined), `${count} notifications`);
      return heard.slice(from).map(({ schema, ...rest }) => {
        expect(schema).toBe(registry.schema);
        return rest as RegistryNotification;
      });
    };
    const d = { tenant: 'acme', site: 'p1', device: 'm1' };
    const added = await next(() => addDevice(registry, d), 3);
    expect(added.map((n) => ({ ...n, revision: undefined }))).toEqual([
      { type: 'tenant', change: 'added', tenant: 'acme', revision: undefined },
      { type: 'site', change: 'added', tenant: 'acme', site: 'p1', revision: undefined },
      { type: 'device', change: 'added', ...d, revision: undefined },
    ]);
    expect(new Set(added.map((n) => n.revision)).size).toBe(1);
    expect(await next(() => addDevice(registry, { ...d, device: 'm2' }), 1)).toEqual([expect.objectContaining({ type: 'device', change: 'added', device: 'm2' })]);
    await expect(addDevice(registry, d)).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    for (const [work, change] of [
      [() => updateDevice(registry, d, { tags: { a: 'b' } }), 'updated'],
      [() => rotateCredentials(registry, d), 'rotated'],
      [() => setDeviceEnabled(registry, d, false), 'disabled'],
      [() => setDeviceEnabled(registry, d, true), 'enabled'],
      [() => revokeDevice(registry, d), 'revoked'],
      [() => removeDevice(registry, d), 'removed'],
    ] as const) {
      expect(await next(work, 1)).toEqual([expect.objectContaining({ type: 'device', change, ...d })]);
    }
    const { record } = await createToken(registry, { tenant: 'acme', role: 'read' });
    await eventually(() => heard.find((n) => n.type === 'token' && n.change === 'added' && n.token === record.id), 'token added');
    expect(await next(() => revokeToken(registry, record.id), 1)).toEqual([expect.objectContaining({ type: 'token', change: 'revoked', token: record.id, tenant: 'acme' })]);
    expect(await next(() => setSeriesSetting(registry, '/acme/p1/m2/t', { kind: 'non_additive' }), 1)).toEqual([expect.objectContaining({ type: 'series_setting', change: 'set', path: '/acme/p1/m2/t', metric: 't' })]);
    expect(await next(() => removeSeriesSetting(registry, '/acme/p1/m2/t'), 1)).toEqual([expect.objectContaining({ type: 'series_setting', change: 'removed', path: '/acme/p1/m2/t' })]);
    // the failed add sent nothing: every heard revision belongs to a committed write, in order
    const revisions = heard.map((n) => n.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(heard.filter((n) => n.type === 'device' && n.change === 'added' && n.device === 'm1')).toHaveLength(1);
  });
});
