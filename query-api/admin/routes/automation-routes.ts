/** /v1/admin/automations/<tenant>[/<id>]: a tenant's automations (schemas/automation.ts), as `fleetstream automations apply` stores them. */
import type { FastifyInstance } from 'fastify';
import type { AdminOperations } from '../admin-operations';
import { registerTenantDocumentRoutes } from './tenant-document-routes';

export function registerAutomationRoutes(app: FastifyInstance, admin: AdminOperations): void {
  registerTenantDocumentRoutes(app, admin.automations, {
    prefix: '/v1/admin/automations',
    what: 'automation',
    whats: 'automations',
    apply: 'automations apply',
    readme: 'Automations',
    invalid: 'AUTOMATION_INVALID',
    notFound: 'AUTOMATION_NOT_FOUND',
    body: 'description, enabled, trigger, conditions, dampening, actions, deadline',
    afterPut: 'the automations processor reads it at its next refresh',
    afterDelete: 'it fires no more from the processor\'s next refresh',
  });
}
