/**
 * The admin API's alert rules of a tenant, one at a time
 * (tenant-document-operations.ts), validated as `fleetstream alerts apply`
 * validates them (schemas/alert-rule.ts), in the table it writes.
 */
import type { Registry } from '../../registry';
import { ruleFromDefinition, RuleDocumentError } from '../../schemas/alert-rule';
import { alertRulesTable, qualified } from '../../schemas/tables';
import { tenantDocumentOperations, type StoredTenantDocument, type TenantDocumentOperations } from './tenant-document-operations';

export type StoredAlertRule = StoredTenantDocument;
export type AlertRuleOperations = TenantDocumentOperations;

export function alertRuleOperations(registry: Registry): AlertRuleOperations {
  return tenantDocumentOperations(registry, {
    table: qualified(registry.schema, alertRulesTable),
    what: 'alert rule',
    apply: 'fleetstream alerts apply <dir>',
    invalid: 'ALERT_RULE_INVALID',
    notFound: 'ALERT_RULE_NOT_FOUND',
    problems: (tenant, definition) => {
      try {
        ruleFromDefinition(tenant, definition);
        return [];
      } catch (error) {
        if (!(error instanceof RuleDocumentError)) throw error;
        return error.problems;
      }
    },
  });
}
