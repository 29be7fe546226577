/**
 * The admin API's definitions kept per tenant in a table that `fleetstream
 * <kind> apply` also writes (alert rules, automations: lib/tenant-documents.ts),
 * one at a time, authorized for the caller (caller.ts), validated as the
 * apply command validates them. The two meet: the next apply of the tenant's
 * documents puts back what git holds.
 */
import { FleetstreamError, type ErrorCode } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { storedDocumentColumns, type StoredTenantDocument } from '../../lib/tenant-documents';
import type { Registry } from '../../registry';
import { authorize, type Caller } from './caller';

export type { StoredTenantDocument };

export interface TenantDocumentOperations {
  list(caller: Caller, tenant: string): Promise<StoredTenantDocument[]>;
  /** `notFound` when the tenant has none of that id. */
  get(caller: Caller, tenant: string, id: string): Promise<StoredTenantDocument>;
  /** Creates or replaces it (its revision counts on when it changed); `invalid` naming every problem. */
  put(caller: Caller, tenant: string, id: string, definition: Record<string, unknown>): Promise<StoredTenantDocument>;
  /** `notFound` when there was none. */
  remove(caller: Caller, tenant: string, id: string): Promise<void>;
}

export interface TenantDocumentKind {
  /** quoted and qualified */
  table: string;
  /** "alert rule", "automation" */
  what: string;
  /** the apply command, for messages ("fleetstream alerts apply <dir>") */
  apply: string;
  invalid: ErrorCode;
  notFound: ErrorCode;
  /** the problems of a definition of the tenant (empty: it validates) */
  problems(tenant: string, definition: Record<string, unknown>): string[];
}

export function tenantDocumentOperations(registry: Registry, kind: TenantDocumentKind): TenantDocumentOperations {
  const { table } = kind;
  const columns = storedDocumentColumns;
  const query = async (text: string, values: unknown[], doing: string) => {
    try {
      return (await registry.pool.query<StoredTenantDocument>(text, values)).rows;
    } catch (error) {
      throw databaseError(error, doing);
    }
  };
  const notFound = (tenant: string, id: string) => new FleetstreamError(kind.notFound, `tenant ${tenant} has no ${kind.what} ${id}; PUT one, or apply it with \`${kind.apply}\``);
  const read = async (tenant: string, id: string) => (await query(`select ${columns} from ${table} where tenant = $1 and id = $2`, [tenant, id], `reading an ${kind.what}`))[0];
  return {
    async list(caller, tenant) {
      authorize(caller, 'read', tenant);
      return query(`select ${columns} from ${table} where tenant = $1 order by id`, [tenant], `listing ${kind.what}s`);
    },
    async get(caller, tenant, id) {
      authorize(caller, 'read', tenant);
      const found = await read(tenant, id);
      if (!found) throw notFound(tenant, id);
      return found;
    },
    async put(caller, tenant, id, body) {
      authorize(caller, 'admin', tenant);
      const definition = { ...body, id };
      const problems = kind.problems(tenant, definition);
      if (problems.length > 0) throw new FleetstreamError(kind.invalid, `${kind.what} ${tenant}/${id}: ${problems.join('; ')}`);
      // an unchanged definition keeps its revision: the upsert updates nothing, and the row is read back
      await query(
        `insert into ${table} as r (tenant, id, definition, source) values ($1, $2, $3, 'api')
         on conflict (tenant, id) do update set definition = excluded.definition, source = 'api', revision = r.revision + 1, updated_at = now()
         where r.definition is distinct from excluded.definition`,
        [tenant, id, JSON.stringify(definition)],
        `writing an ${kind.what}`,
      );
      return (await read(tenant, id))!;
    },
    async remove(caller, tenant, id) {
      authorize(caller, 'admin', tenant);
      const removed = await query(`delete from ${table} where tenant = $1 and id = $2 returning id`, [tenant, id], `removing an ${kind.what}`);
      if (removed.length === 0) throw notFound(tenant, id);
    },
  };
}
