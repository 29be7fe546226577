/** The query API on a migrated registry's schema (its tables and the registry's in one), stopped after the file's tests. */
import { start } from '../query-api/index';
import type { QueryApiOptionsInput } from '../query-api/options';
import type { Registry } from '../registry/registry-connection';
import { freshKeyPrefix, onCleanup, testSettings } from './factories';

/** `overrides` adds options (tokens, topics, limits); returns the API's base URL. */
export async function startQueryApiOn(registry: Registry, overrides: Partial<QueryApiOptionsInput>): Promise<string> {
  const api = await start({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testSettings().databaseUrl,
    redisUrl: testSettings().redisUrl,
    databaseSchema: registry.schema,
    registrySchema: registry.schema,
    keyPrefix: freshKeyPrefix(),
    ...overrides,
  });
  onCleanup(() => api.stop());
  return `http://127.0.0.1:${api.port}`;
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
}

/** A caller of the routes under `base + prefix` (`/v1/admin/silences`) with a bearer token: the status and the JSON answer (undefined when empty). */
export function apiCaller(base: string, prefix: string) {
  return async (method: string, path: string, token: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${base}${prefix}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}
