/**
 * The admin API's alert rules of a tenant, one at a time, authorized for the
 * caller (caller.ts), validated as `fleetstream alerts apply` validates them
 * (schemas/alert-rule.ts), in the table it writes. The two meet: the next
 * `alerts apply` of the tenant's directory puts back what git holds.
 */
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import type { Registry } from '../../registry';
import { ruleFromDefinition, RuleDocumentError } from '../../schemas/alert-rule';
import { alertRulesTable, qualified } from '../../schemas/tables';
import { authorize, type Caller } from './caller';

export interface StoredAlertRule {
  tenant: string;
  id: string;
  definition: Record<string, unknown>;
  revision: number;
  /** the file `alerts apply` read it from, or `api` */
  source: string | null;
  updatedAt: string;
}

export interface AlertRuleOperations {
  list(caller: Caller, tenant: string): Promise<StoredAlertRule[]>;
  /** ALERT_RULE_NOT_FOUND when the tenant has none of that id. */
  get(caller: Caller, tenant: string, id: string): Promise<StoredAlertRule>;
  /** Creates or replaces the rule (its revision counts on when it changed); ALERT_RULE_INVALID naming every problem. */
  put(caller: Caller, tenant: string, id: string, definition: Record<string, unknown>): Promise<StoredAlertRule>;
  /** ALERT_RULE_NOT_FOUND when there was none. */
  remove(caller: Caller, tenant: string, id: string): Promise<void>;
}

export function alertRuleOperations(registry: Registry): AlertRuleOperations {
  const table = qualified(registry.schema, alertRulesTable);
  const columns = `tenant, id, definition, revision::float8 as revision, source, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "updatedAt"`;
  const query = async (text: string, values: unknown[], doing: string) => {
    try {
      return (await registry.pool.query<StoredAlertRule>(text, values)).rows;
    } catch (error) {
      throw databaseError(error, doing);
    }
  };
  const notFound = (tenant: string, id: string) => new FleetstreamError('ALERT_RULE_NOT_FOUND', `tenant ${tenant} has no alert rule ${id}; PUT one, or apply it with \`fleetstream alerts apply <dir>\``);
  return {
    async list(caller, tenant) {
      authorize(caller, 'read', tenant);
      return query(`select ${columns} from ${table} where tenant = $1 order by id`, [tenant], 'listing alert rules');
    },
    async get(caller, tenant, id) {
      authorize(caller, 'read', tenant);
      const [rule] = await query(`select ${columns} from ${table} where tenant = $1 and id = $2`, [tenant, id], 'reading an alert rule');
      if (!rule) throw notFound(tenant, id);
      return rule;
    },
    async put(caller, tenant, id, body) {
      authorize(caller, 'admin', tenant);
      const definition = { ...body, id };
      try {
        ruleFromDefinition(tenant, definition);
      } catch (error) {
        if (!(error instanceof RuleDocumentError)) throw error;
        throw new FleetstreamError('ALERT_RULE_INVALID', `alert rule ${tenant}/${id}: ${error.problems.join('; ')}`);
      }
      // an unchanged definition keeps its revision: the upsert updates nothing, and the row is read back
      await query(
        `insert into ${table} as r (tenant, id, definition, source) values ($1, $2, $3, 'api')
         on conflict (tenant, id) do update set definition = excluded.definition, source = 'api', revision = r.revision + 1, updated_at = now()
         where r.definition is distinct from excluded.definition`,
        [tenant, id, JSON.stringify(definition)],
        'writing an alert rule',
      );
      const [rule] = await query(`select ${columns} from ${table} where tenant = $1 and id = $2`, [tenant, id], 'reading an alert rule');
      return rule!;
    },
    async remove(caller, tenant, id) {
      authorize(caller, 'admin', tenant);
      const removed = await query(`delete from ${table} where tenant = $1 and id = $2 returning id`, [tenant, id], 'removing an alert rule');
      if (removed.length === 0) throw notFound(tenant, id);
    },
  };
}
