import { createHash } from 'node:crypto';
import { FleetstreamError } from '../lib/errors';
import { tenantRoot } from '../schemas/series-path';

/** What a request may read: one tenant's paths (`/<tenant>/...`), or everything (the admin token). */
export type TenantScope = { kind: 'tenant'; tenant: string } | { kind: 'admin' };

export interface ApiToken {
  token: string;
  tenant: string;
}

const tenantName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads `token1:acme,token2:globex` (the QUERY_API_TOKENS format); throws CONFIG_INVALID naming the bad entry. */
export function parseTokenList(text: string): ApiToken[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const colon = entry.lastIndexOf(':');
      const token = entry.slice(0, colon);
      const tenant = entry.slice(colon + 1);
      if (colon < 1 || !tenantName.test(tenant)) {
        throw new FleetstreamError('CONFIG_INVALID', `query-api tokens: entry ${index + 1} is not <token>:<tenant> with a tenant of letters, digits, ".", "_" or "-" (QUERY_API_TOKENS="token1:acme,token2:globex")`);
      }
      if (token.length < 16) throw new FleetstreamError('CONFIG_INVALID', `query-api tokens: the token of entry ${index + 1} (tenant ${tenant}) is shorter than 16 characters; use a random one`);
      return { token, tenant };
    });
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Maps the static tokens of QUERY_API_TOKENS and QUERY_API_ADMIN_TOKEN to
 * scopes (undefined for any other token). Tokens are kept and compared as
 * SHA-256 digests, so a lookup's timing says nothing about a token's characters.
 */
export function createTokenVerifier(tokens: readonly ApiToken[], adminToken?: string): (token: string) => TenantScope | undefined {
  const scopes = new Map<string, TenantScope>(tokens.map(({ token, tenant }) => [digest(token), { kind: 'tenant', tenant }]));
  if (adminToken) scopes.set(digest(adminToken), { kind: 'admin' });
  return (token) => scopes.get(digest(token));
}

/** The path prefix a scope is confined to: `/<tenant>/`, or `/` for admin. */
export function scopeRoot(scope: TenantScope): string {
  return scope.kind === 'admin' ? '/' : tenantRoot(scope.tenant);
}

function outside(scope: TenantScope, what: string, value: string): FleetstreamError {
  return new FleetstreamError('PATH_OUTSIDE_TENANT', `this API token reads tenant ${scope.kind === 'tenant' ? scope.tenant : '*'} only, so ${what} must start with ${scopeRoot(scope)}; got ${JSON.stringify(value)}`);
}

function checkCharacters(what: string, value: string): void {
  // PostgreSQL text refuses NUL; control characters are never part of a series path
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (!value.startsWith('/') || /[\u0000-\u001f\u007f]/.test(value) || value.length > 1024) {
    throw new FleetstreamError('QUERY_INVALID', `${what} must start with "/", hold no control characters and be at most 1024 characters long`);
  }
}

/** Throws unless the series path lies inside the scope. */
export function checkPath(scope: TenantScope, path: string): void {
  checkCharacters('a path', path);
  if (!path.startsWith(scopeRoot(scope))) throw outside(scope, 'a path', path);
}

/**
 * Normalizes a path prefix to end with `/` (so `/acme/plant1` does not match
 * `/acme/plant10/...`), and throws unless it lies inside the scope.
 */
export function checkPrefix(scope: TenantScope, prefix: string): string {
  checkCharacters('a prefix', prefix);
  const normalized = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (!normalized.startsWith(scopeRoot(scope))) throw outside(scope, 'a prefix', prefix);
  return normalized;
}

/**
 * Throws unless a LIKE pattern begins with the scope's root written out
 * literally (no `%`, `_` or `\` in it). Readers also filter on the root with
 * starts_with, so a tenant name holding `_` cannot widen the match.
 */
export function checkLikePattern(scope: TenantScope, pattern: string): void {
  checkCharacters('a pattern', pattern);
  if (!pattern.startsWith(scopeRoot(scope))) throw outside(scope, 'a pattern', pattern);
}

/** Whether a path read back (a live message, a row) lies inside the scope: the last line of defence. */
export function inScope(scope: TenantScope, path: string): boolean {
  return path.startsWith(scopeRoot(scope));
}

/** The tenant a request of one tenant's records reads: its token's, or for the admin token the one it names (`?tenant=`). */
export function requestedTenant(scope: TenantScope, asked: string | undefined): string {
  if (scope.kind === 'tenant') {
    if (asked !== undefined && asked !== scope.tenant) throw new FleetstreamError('PATH_OUTSIDE_TENANT', `this API token reads tenant ${scope.tenant} only, not ${asked}`);
    return scope.tenant;
  }
  if (asked === undefined) throw new FleetstreamError('QUERY_INVALID', 'the admin token reads every tenant: name one with ?tenant=');
  return asked;
}
