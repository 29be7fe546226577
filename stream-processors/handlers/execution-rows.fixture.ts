/** Three finished or retrying handler executions, written straight into a fresh registry's table, for the tests of what reads them back. */
import type { Registry } from '../../registry/registry-connection';
import { handlerTableNames } from '../../schemas/tables';

export const inlineSecret = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';

export async function insertExecutions(registry: Registry): Promise<void> {
  const { executions } = handlerTableNames(registry.schema);
  const insert = (id: string, tenant: string, handler: string, target: unknown, origin: [string, string], state: string, attempts: number, detail: string | null, requestedAt: string) =>
    registry.pool.query(
      `insert into ${executions} (execution_id, tenant, handler, target, payload, origin_kind, origin_id, trigger, fired_at, requested_at, receiver, state, attempts, detail, finished_at)
       values ($1, $2, $3, $4, '{}', $5, $6, 'schedule:2026-12-03T10:00:00.000Z', $7, $7, 'https://hooks.example.com', $8, $9, $10, case when $8 in ('SUCCEEDED', 'FAILED', 'EXPIRED') then $7::timestamptz end)`,
      [id, tenant, handler, JSON.stringify(target), origin[0], origin[1], requestedAt, state, attempts, detail],
    );
  await insert('e-1', 'acme', 'mqtt_publish', { topic: 'fleet/acme/tick' }, ['automation', 'nightly'], 'SUCCEEDED', 1, null, '2026-12-03T10:00:00Z');
  await insert('e-2', 'acme', 'webhook', { url: 'https://hooks.example.com/a', secret: inlineSecret, headers: { Authorization: 'Bearer abc', 'X-Team': 'ops' } }, ['notification', 'oncall'], 'RETRYING', 3, 'HTTP 503 from https://hooks.example.com', '2026-12-03T10:05:00Z');
  await insert('e-3', 'beta', 'webhook', { url: 'https://hooks.example.com/b', secretRef: 'beta-hook' }, ['automation', 'nightly'], 'FAILED', 8, 'HTTP 410 from https://hooks.example.com', '2026-12-03T10:10:00Z');
}
