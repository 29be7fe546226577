/** /v1/admin/alert-rules/<tenant>[/<id>]: a tenant's alert rules (schemas/alert-rule.ts), as `fleetstream alerts apply` stores them. */
import type { FastifyInstance } from 'fastify';
import type { AdminOperations } from '../admin-operations';
import { registerTenantDocumentRoutes } from './tenant-document-routes';

export function registerAlertRuleRoutes(app: FastifyInstance, admin: AdminOperations): void {
  registerTenantDocumentRoutes(app, admin.alertRules, {
    prefix: '/v1/admin/alert-rules',
    what: 'alert rule',
    whats: 'alert rules',
    apply: 'alerts apply',
    readme: 'Alerts',
    invalid: 'ALERT_RULE_INVALID',
    notFound: 'ALERT_RULE_NOT_FOUND',
    body: 'series, reads, severities, clear, keepFiringFor, noData, labels',
    afterPut: 'the alerts processor reads it at its next refresh',
    afterDelete: "its open alerts end at the processor's next refresh",
  });
}
