/** The admin API's REST routes under /v1/admin, over the operations that GraphQL shares (admin-operations.ts). */
import type { FastifyInstance } from 'fastify';
import type { AdminOperations } from '../admin-operations';
import { registerAlarmNoteRoutes } from './alarm-note-routes';
import { registerAlertRuleRoutes } from './alert-rule-routes';
import { registerAutomationRoutes } from './automation-routes';
import { registerDeviceRoutes } from './device-routes';
import { registerSeriesSettingRoutes } from './series-setting-routes';
import { registerSilenceRoutes } from './silence-routes';
import { registerTenantRoutes } from './tenant-routes';
import { registerTokenRoutes } from './token-routes';

export function registerAdminRoutes(app: FastifyInstance, admin: AdminOperations): void {
  registerTenantRoutes(app, admin);
  registerDeviceRoutes(app, admin);
  registerSeriesSettingRoutes(app, admin);
  registerTokenRoutes(app, admin);
  registerAlertRuleRoutes(app, admin);
  registerAutomationRoutes(app, admin);
  registerAlarmNoteRoutes(app, admin);
  registerSilenceRoutes(app, admin);
}
