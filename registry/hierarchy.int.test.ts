import { addDevice } from './devices';
import { readHierarchy } from './hierarchy';
import { freshRegistry } from './registry.fixture';
import { registryRevision } from './registry-write';

describe('the registry hierarchy', () => {
  it('is every tenant, site and device with metadata, parents and children, as of one revision, or one tenant\'s or site\'s part', async () => {
    const registry = await freshRegistry();
    const gw = { tenant: 'acme', site: 'p1', device: 'gw' };
    await addDevice(registry, gw, { tags: { role: 'gateway' }, location: { description: 'hall' } });
    await addDevice(registry, { tenant: 'acme', site: 'p1', device: 'node' }, { parent: gw });
    await addDevice(registry, { tenant: 'acme', site: 'p2', device: 'solo' });
    await addDevice(registry, { tenant: 'globex', site: 'x', device: 'y' });
    const all = await readHierarchy(registry);
    expect(all.revision).toBe(await registryRevision(registry));
    expect(all.tenants.map((t) => [t.name, t.sites.map((s) => [s.name, s.devices.map((d) => d.device)])])).toEqual([
      ['acme', [['p1', ['gw', 'node']], ['p2', ['solo']]]],
      ['globex', [['x', ['y']]]],
    ]);
    const [gwNode, node] = all.tenants[0]!.sites[0]!.devices;
    expect(gwNode).toMatchObject({ tags: { role: 'gateway' }, location: { description: 'hall' }, children: ['acme/p1/node'] });
    expect(node!.parent).toEqual(gw);
    expect((await readHierarchy(registry, { tenant: 'globex' })).tenants.map((t) => t.name)).toEqual(['globex']);
    const site = await readHierarchy(registry, { tenant: 'acme', site: 'p2' });
    expect(site.tenants.map((t) => [t.name, t.sites.map((s) => [s.name, s.devices.map((d) => d.device)])])).toEqual([['acme', [['p2', ['solo']]]]]);
  });
});
