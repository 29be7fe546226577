import { authorize, listedTenant, type Caller } from './caller';

const platform: Caller = { tokenId: 'p', tenant: null, role: 'admin' };
const acmeAdmin: Caller = { tokenId: 'a', tenant: 'acme', role: 'admin' };
const acmeRead: Caller = { tokenId: 'r', tenant: 'acme', role: 'read' };

function refusal(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('admin API authorization', () => {
  it('lets a platform admin read and write every tenant and the platform itself', () => {
    for (const tenant of ['acme', 'globex', null]) for (const needs of ['read', 'admin'] as const) expect(refusal(() => authorize(platform, needs, tenant))).toBeUndefined();
  });

  it('keeps a tenant admin inside its tenant, for reads and writes alike', () => {
    expect(refusal(() => authorize(acmeAdmin, 'admin', 'acme'))).toBeUndefined();
    expect(refusal(() => authorize(acmeAdmin, 'read', 'acme'))).toBeUndefined();
    expect(refusal(() => authorize(acmeAdmin, 'read', 'globex'))).toBe('TENANT_FORBIDDEN');
    expect(refusal(() => authorize(acmeAdmin, 'admin', null))).toBe('TENANT_FORBIDDEN');
  });

  it('lets a read token read its tenant only, and write nothing', () => {
    expect(refusal(() => authorize(acmeRead, 'read', 'acme'))).toBeUndefined();
    expect(refusal(() => authorize(acmeRead, 'admin', 'acme'))).toBe('ROLE_FORBIDDEN');
    expect(refusal(() => authorize(acmeRead, 'read', 'globex'))).toBe('TENANT_FORBIDDEN');
    // another tenant's is refused as such, whatever the role
    expect(refusal(() => authorize(acmeRead, 'admin', 'globex'))).toBe('TENANT_FORBIDDEN');
  });

  it("narrows listings to the tenant's own, or what a platform admin asks for", () => {
    expect(listedTenant(platform, 'read', undefined)).toBeUndefined();
    expect(listedTenant(platform, 'read', 'globex')).toBe('globex');
    expect(listedTenant(acmeRead, 'read', undefined)).toBe('acme');
    expect(listedTenant(acmeRead, 'read', 'acme')).toBe('acme');
    expect(refusal(() => listedTenant(acmeRead, 'read', 'globex'))).toBe('TENANT_FORBIDDEN');
    expect(refusal(() => listedTenant(acmeRead, 'admin', undefined))).toBe('ROLE_FORBIDDEN');
  });
});
