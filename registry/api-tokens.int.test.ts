import type { FleetstreamError } from '../lib/errors';
import { createToken, listTokens, revokeToken, verifyToken } from './api-tokens';
import { freshRegistry } from './registry.fixture';
import type { Registry } from './registry-connection';

describe('registry API tokens', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await freshRegistry();
  });

  it('verify as the tenant and role they were created with; a platform admin has no tenant', async () => {
    const read = await createToken(registry, { tenant: 'acme', role: 'read', description: 'dashboards' });
    const admin = await createToken(registry, { tenant: 'globex', role: 'admin' });
    const platform = await createToken(registry, { tenant: null, role: 'admin' });
    expect(await verifyToken(registry, read.token)).toEqual({ id: read.record.id, tenant: 'acme', role: 'read' });
    expect(await verifyToken(registry, admin.token)).toEqual({ id: admin.record.id, tenant: 'globex', role: 'admin' });
    expect(await verifyToken(registry, platform.token)).toEqual({ id: platform.record.id, tenant: null, role: 'admin' });
    const tenants = await registry.pool.query(`select name from ${registry.tables.tenants} order by name`);
    expect(tenants.rows.map((r: { name: string }) => r.name)).toEqual(['acme', 'globex']);
  });

  it('are stored as a digest only, and a token with a known id but another secret is refused', async () => {
    const { token, record } = await createToken(registry, { tenant: 'acme', role: 'read' });
    const stored = await registry.pool.query<{ row: string }>(`select row_to_json(t)::text as row from ${registry.tables.apiTokens} t where id = $1`, [record.id]);
    expect(stored.rows[0]!.row).not.toContain(token.slice(21));
    const forged = token.slice(0, 21) + (token[21] === 'A' ? 'B' : 'A') + token.slice(22);
    expect(await verifyToken(registry, forged)).toBeUndefined();
    expect(await verifyToken(registry, 'not a token')).toBeUndefined();
  });

  it('revocation takes effect at once; the list keeps the revoked token without its secret', async () => {
    const { token, record } = await createToken(registry, { tenant: 'revoked', role: 'admin' });
    expect(await verifyToken(registry, token)).toBeDefined();
    const revoked = await revokeToken(registry, record.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await verifyToken(registry, token)).toBeUndefined();
    const listed = await listTokens(registry, { tenant: 'revoked' });
    expect(listed).toEqual([expect.objectContaining({ id: record.id, tenant: 'revoked', role: 'admin', revokedAt: revoked.revokedAt })]);
    expect(JSON.stringify(listed)).not.toContain(token.slice(21));
    expect(await revokeToken(registry, record.id)).toEqual(revoked);
  });

  it('records when a token was last used', async () => {
    const { token, record } = await createToken(registry, { tenant: 'used', role: 'read' });
    expect(record.lastUsedAt).toBeNull();
    await verifyToken(registry, token);
    const [listed] = await listTokens(registry, { tenant: 'used' });
    expect(listed!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('refuse an unknown id, a bad tenant name, a bad role and a read-only platform token', async () => {
    const codeOf = (work: Promise<unknown>) => work.then(() => undefined, (error: FleetstreamError) => error.code);
    expect(await codeOf(revokeToken(registry, '0123456789abcdef'))).toBe('TOKEN_NOT_FOUND');
    expect(await codeOf(createToken(registry, { tenant: 'a b', role: 'read' }))).toBe('NAME_INVALID');
    expect(await codeOf(createToken(registry, { tenant: 'acme', role: 'write' as 'read' }))).toBe('REGISTRY_INPUT_INVALID');
    expect(await codeOf(createToken(registry, { tenant: null, role: 'read' }))).toBe('REGISTRY_INPUT_INVALID');
  });
});
