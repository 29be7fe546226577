import { createToken, listTokens, showToken } from './api-tokens';
import { addDevice } from './devices';
import { freshRegistry } from './registry.fixture';
import { listSites, listTenants, showTenant } from './tenants';

describe('registry tenants and sites', () => {
  it('are listed with their counts, one shown, and an unknown one is TENANT_NOT_FOUND', async () => {
    const registry = await freshRegistry();
    await addDevice(registry, { tenant: 'acme', site: 'p1', device: 'a' });
    await addDevice(registry, { tenant: 'acme', site: 'p1', device: 'b' });
    await addDevice(registry, { tenant: 'acme', site: 'p2', device: 'c' });
    // a token creates its tenant, which has no site yet
    await createToken(registry, { tenant: 'globex', role: 'read' });
    expect((await listTenants(registry)).map((t) => [t.name, t.sites, t.devices])).toEqual([
      ['acme', 2, 3],
      ['globex', 0, 0],
    ]);
    expect((await listTenants(registry, ['globex'])).map((t) => t.name)).toEqual(['globex']);
    expect(await showTenant(registry, 'acme')).toMatchObject({ name: 'acme', sites: 2, devices: 3, createdAt: expect.any(Date) });
    expect((await listSites(registry, 'acme')).map((s) => [s.tenant, s.name, s.devices])).toEqual([
      ['acme', 'p1', 2],
      ['acme', 'p2', 1],
    ]);
    expect(await listSites(registry, 'globex')).toEqual([]);
    await expect(showTenant(registry, 'nobody')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await expect(listSites(registry, 'nobody')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await expect(showTenant(registry, 'a/b')).rejects.toMatchObject({ code: 'NAME_INVALID' });
  });

  it('show a token by id, without its secret, and TOKEN_NOT_FOUND for an unknown id', async () => {
    const registry = await freshRegistry();
    const { token, record } = await createToken(registry, { tenant: 'acme', role: 'admin', description: 'ops' });
    expect(await showToken(registry, record.id)).toEqual((await listTokens(registry)).find((t) => t.id === record.id));
    expect(JSON.stringify(await showToken(registry, record.id))).not.toContain(token);
    await expect(showToken(registry, '0000000000000000')).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
  });
});
