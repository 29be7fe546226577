import { hierarchyOf, type DeviceRecord } from '../../registry';
import { countNodes, hierarchyNodes, prunedNodes } from './hierarchy-nodes';

function device(tenant: string, site: string, name: string, more: Partial<DeviceRecord> = {}): DeviceRecord {
  const at = new Date(Date.UTC(2024, 0, 1));
  return { tenant, site, device: name, name: `${tenant}/${site}/${name}`, tags: {}, location: null, parent: null, state: 'active', createdAt: at, updatedAt: at, revision: 3, ...more };
}

const tree = hierarchyOf(
  12,
  ['acme', 'empty'],
  [{ tenant: 'acme', name: 'p1' }, { tenant: 'acme', name: 'p2' }],
  [
    device('acme', 'p1', 'gw', { tags: { model: 'EM24' }, location: { latitude: 52.37, longitude: 4.89 } }),
    device('acme', 'p1', 'node', { parent: { tenant: 'acme', site: 'p1', device: 'gw' }, state: 'disabled' }),
    device('acme', 'p2', 'remote', { parent: { tenant: 'acme', site: 'p1', device: 'gw' }, location: { description: 'cellar' } }),
  ],
);

describe('the nodes of a published generation', () => {
  it('holds the root, every tenant, site and device by path, each parent before its children, children and parents as paths', () => {
    const nodes = hierarchyNodes(tree);
    expect([...nodes.keys()]).toEqual(['/', '/acme', '/acme/p1', '/acme/p1/gw', '/acme/p1/node', '/acme/p2', '/acme/p2/remote', '/empty']);
    expect(nodes.get('/')).toEqual({ type: 'root', children: ['/acme', '/empty'] });
    expect(nodes.get('/acme')).toEqual({ type: 'tenant', tenant: 'acme', children: ['/acme/p1', '/acme/p2'] });
    expect(nodes.get('/empty')).toEqual({ type: 'tenant', tenant: 'empty', children: [] });
    expect(nodes.get('/acme/p1')).toEqual({ type: 'site', tenant: 'acme', site: 'p1', children: ['/acme/p1/gw', '/acme/p1/node'] });
    expect(nodes.get('/acme/p1/gw')).toEqual({
      type: 'device', tenant: 'acme', site: 'p1', device: 'gw', name: 'acme/p1/gw', tags: { model: 'EM24' }, location: { latitude: 52.37, longitude: 4.89 },
      state: 'active', parent: null, children: ['/acme/p1/node', '/acme/p2/remote'], createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', revision: 3,
    });
    expect(nodes.get('/acme/p1/node')).toMatchObject({ state: 'disabled', parent: '/acme/p1/gw', children: [] });
    expect(nodes.get('/acme/p2/remote')).toMatchObject({ parent: '/acme/p1/gw', location: { description: 'cellar' } });
    // every path a node names is a node of the same generation
    for (const node of nodes.values()) for (const path of [...node.children, ...('parent' in node && node.parent ? [node.parent] : [])]) expect(nodes.has(path)).toBe(true);
  });

  it('counts tenants, sites and devices by depth, the root apart', () => {
    expect(countNodes(hierarchyNodes(tree).keys())).toEqual({ tenants: 2, sites: 2, devices: 3 });
    expect(countNodes(hierarchyNodes(hierarchyOf(0, [], [], [])).keys())).toEqual({ tenants: 0, sites: 0, devices: 0 });
  });

  it('finds what the next generation no longer has: a removed tenant, site and device, not what stays or is new', () => {
    const previous = ['/', '/acme', '/acme/p1', '/acme/p1/gw', '/acme/p1/old', '/acme/gone', '/acme/gone/d1', '/acme/gone/d2', '/dropped'];
    expect(prunedNodes(previous, hierarchyNodes(tree))).toEqual({ tenants: 1, sites: 1, devices: 3 });
    expect(prunedNodes([], hierarchyNodes(tree))).toEqual({ tenants: 0, sites: 0, devices: 0 });
  });
});
