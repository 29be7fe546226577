/**
 * API tokens in the registry: scoped to one tenant with `read` or `admin`
 * rights, or a platform admin's (every tenant). Created once (the token is
 * returned here and stored only as its SHA-256), listed without secrets,
 * revoked at once: verification reads the row every time, so the next
 * request after a revocation is refused. Callers that cache verifications
 * drop them on the `token` notification.
 */
import { FleetstreamError } from '../lib/errors';
import { digestsEqual, newApiToken, parseApiToken } from './api-token';
import { checkedName } from './device-address';
import { registryQuery, type Registry } from './registry-connection';
import { writeRegistry } from './registry-write';

export type TokenRole = 'read' | 'admin';

/** What a token may do: `tenant` null is a platform admin. */
export interface TokenGrant {
  tenant: string | null;
  role: TokenRole;
}

export interface TokenRecord extends TokenGrant {
  id: string;
  description: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface TokenRow extends Record<string, unknown> {
  id: string;
  tenant: string | null;
  role: TokenRole;
  description: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const tokenColumns = 'id, tenant, role, description, created_at, last_used_at, revoked_at';

function tokenFromRow(row: TokenRow): TokenRecord {
  return { id: row.id, tenant: row.tenant, role: row.role, description: row.description, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}

/** How often a token's `last_used_at` is rewritten at most: a busy token costs one write a minute, not one per request. */
const lastUsedGranularity = '1 minute';

/** Creates a token (and its tenant when missing); the token is in the answer and nowhere else. */
export async function createToken(registry: Registry, grant: TokenGrant & { description?: string }): Promise<{ token: string; record: TokenRecord }> {
  if (grant.role !== 'read' && grant.role !== 'admin') throw new FleetstreamError('REGISTRY_INPUT_INVALID', `role "${String(grant.role)}" is not read or admin`);
  if (grant.tenant === null && grant.role !== 'admin') throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'a token for every tenant is a platform admin: its role is admin');
  const tenant = grant.tenant === null ? null : checkedName('tenant', grant.tenant);
  const { token, id, sha256 } = newApiToken();
  return writeRegistry(registry, `creating a token for ${tenant ?? 'the platform'}`, async (write) => {
    if (tenant !== null) {
      const added = await write.client.query(`insert into ${registry.tables.tenants} (name, revision) values ($1, $2) on conflict do nothing returning name`, [tenant, write.revision]);
      if (added.rows.length > 0) write.notify({ type: 'tenant', change: 'added', tenant });
    }
    const { rows } = await write.client.query<TokenRow>(
      `insert into ${registry.tables.apiTokens} (id, secret_sha256, tenant, role, description, revision) values ($1, $2, $3, $4, $5, $6) returning ${tokenColumns}`,
      [id, sha256, tenant, grant.role, grant.description ?? null, write.revision],
    );
    write.notify({ type: 'token', change: 'added', token: id, tenant });
    return { token, record: tokenFromRow(rows[0]!) };
  });
}

/** Every token (revoked ones too, with `revokedAt`), or those of one tenant; never a secret. */
export async function listTokens(registry: Registry, filter: { tenant?: string } = {}): Promise<TokenRecord[]> {
  const where = filter.tenant === undefined ? '' : 'where tenant = $1';
  const rows = await registryQuery<TokenRow>(registry, 'listing tokens', `select ${tokenColumns} from ${registry.tables.apiTokens} ${where} order by tenant nulls first, created_at, id`, filter.tenant === undefined ? [] : [filter.tenant]);
  return rows.map(tokenFromRow);
}

/** One token, without its secret; TOKEN_NOT_FOUND for an unknown id. */
export async function showToken(registry: Registry, id: string): Promise<TokenRecord> {
  const [row] = await registryQuery<TokenRow>(registry, `reading token ${id}`, `select ${tokenColumns} from ${registry.tables.apiTokens} where id = $1`, [id]);
  if (!row) throw tokenNotFound(id);
  return tokenFromRow(row);
}

function tokenNotFound(id: string): FleetstreamError {
  return new FleetstreamError('TOKEN_NOT_FOUND', `token ${id} is not in the registry (\`fleetstream tokens list\` shows the ids)`);
}

/** Revokes a token at once; TOKEN_NOT_FOUND for an unknown id. Revoking it again changes nothing. */
export async function revokeToken(registry: Registry, id: string): Promise<TokenRecord> {
  return writeRegistry(registry, `revoking token ${id}`, async (write) => {
    const { rows } = await write.client.query<TokenRow>(
      `update ${registry.tables.apiTokens} set revoked_at = coalesce(revoked_at, now()), revision = $2 where id = $1 returning ${tokenColumns}`,
      [id, write.revision],
    );
    if (rows.length === 0) throw tokenNotFound(id);
    write.notify({ type: 'token', change: 'revoked', token: id, tenant: rows[0]!.tenant });
    return tokenFromRow(rows[0]!);
  });
}

/** What `token` grants, or undefined when it is malformed, unknown or revoked. Records when it was last used. */
export async function verifyToken(registry: Registry, token: string): Promise<(TokenGrant & { id: string }) | undefined> {
  const parts = parseApiToken(token);
  if (!parts) return undefined;
  const [row] = await registryQuery<{ tenant: string | null; role: TokenRole; secret_sha256: Buffer }>(
    registry,
    'verifying a token',
    `select tenant, role, secret_sha256 from ${registry.tables.apiTokens} where id = $1 and revoked_at is null`,
    [parts.id],
  );
  if (!row || !digestsEqual(row.secret_sha256, parts.sha256)) return undefined;
  await registryQuery(
    registry,
    'recording a token use',
    `update ${registry.tables.apiTokens} set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '${lastUsedGranularity}')`,
    [parts.id],
  );
  return { id: parts.id, tenant: row.tenant, role: row.role };
}
