/**
 * Every operation of the admin API, each authorizing its caller before it
 * touches the registry. The REST routes and the GraphQL resolvers both call
 * these and nothing else, so both answer the same and refuse the same.
 */
import type { Registry } from '../../registry';
import { alarmNoteOperations, type AlarmNoteOperations } from './alarm-note-operations';
import { alertRuleOperations, type AlertRuleOperations } from './alert-rule-operations';
import { automationOperations, type AutomationOperations } from './automation-operations';
import { deviceOperations, type DeviceOperations } from './device-operations';
import { seriesSettingOperations, type SeriesSettingOperations } from './series-setting-operations';
import { silenceOperations, type SilenceOperations } from './silence-operations';
import { tenantOperations, type TenantOperations } from './tenant-operations';
import { tokenOperations, type TokenOperations } from './token-operations';

export interface AdminOperations {
  tenants: TenantOperations;
  devices: DeviceOperations;
  tokens: TokenOperations;
  seriesSettings: SeriesSettingOperations;
  alertRules: AlertRuleOperations;
  automations: AutomationOperations;
  alarmNotes: AlarmNoteOperations;
  silences: SilenceOperations;
}

export function adminOperations(registry: Registry): AdminOperations {
  return {
    tenants: tenantOperations(registry),
    devices: deviceOperations(registry),
    tokens: tokenOperations(registry),
    seriesSettings: seriesSettingOperations(registry),
    alertRules: alertRuleOperations(registry),
    automations: automationOperations(registry),
    alarmNotes: alarmNoteOperations(registry),
    silences: silenceOperations(registry),
  };
}
