/**
 * The admin API's automations of a tenant, one at a time
 * (tenant-document-operations.ts), validated as `fleetstream automations
 * apply` validates them (schemas/automation.ts), in the table it writes.
 */
import type { Registry } from '../../registry';
import { automationFromDefinition, AutomationDocumentError } from '../../schemas/automation';
import { automationTableNames } from '../../schemas/tables';
import { tenantDocumentOperations, type TenantDocumentOperations } from './tenant-document-operations';

export type AutomationOperations = TenantDocumentOperations;

export function automationOperations(registry: Registry): AutomationOperations {
  return tenantDocumentOperations(registry, {
    table: automationTableNames(registry.schema).automations,
    what: 'automation',
    apply: 'fleetstream automations apply <files>',
    invalid: 'AUTOMATION_INVALID',
    notFound: 'AUTOMATION_NOT_FOUND',
    problems: (tenant, definition) => {
      try {
        automationFromDefinition(tenant, definition);
        return [];
      } catch (error) {
        if (!(error instanceof AutomationDocumentError)) throw error;
        return error.problems;
      }
    },
  });
}
