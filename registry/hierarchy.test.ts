import type { DeviceRecord } from './device-record';
import { hierarchyOf } from './hierarchy';

function device(tenant: string, site: string, name: string, parent?: [string, string]): DeviceRecord {
  const at = new Date(0);
  return {
    tenant, site, device: name, name: `${tenant}/${site}/${name}`, tags: {}, location: null,
    parent: parent ? { tenant, site: parent[0], device: parent[1] } : null, state: 'active', createdAt: at, updatedAt: at, revision: 1,
  };
}

describe('the hierarchy', () => {
  it('nests devices under sites under tenants, keeps empty tenants and sites, and lists each device\'s children', () => {
    const tree = hierarchyOf(
      9,
      ['acme', 'empty'],
      [{ tenant: 'acme', name: 'p1' }, { tenant: 'acme', name: 'p2' }],
      [device('acme', 'p1', 'gw'), device('acme', 'p1', 'node-a', ['p1', 'gw']), device('acme', 'p1', 'node-b', ['p1', 'gw'])],
    );
    expect(tree.revision).toBe(9);
    expect(tree.tenants.map((t) => [t.name, t.sites.map((s) => [s.name, s.devices.map((d) => d.device)])])).toEqual([
      ['acme', [['p1', ['gw', 'node-a', 'node-b']], ['p2', []]]],
      ['empty', []],
    ]);
    const [gw, nodeA] = tree.tenants[0]!.sites[0]!.devices;
    expect(gw!.children).toEqual(['acme/p1/node-a', 'acme/p1/node-b']);
    expect(nodeA!.children).toEqual([]);
    expect(nodeA!.parent).toEqual({ tenant: 'acme', site: 'p1', device: 'gw' });
  });
});
