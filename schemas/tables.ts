/**
 * The PostgreSQL tables the timescale-sink writes and the query API reads, all
 * in one configured schema (schemas/migrations.ts creates them):
 *
 * - `series`: one row per series path, with its identity (tenant, site, device,
 *   metric), kind, unit, and first and last reading times;
 * - `measurements`: every raw reading, keyed by (path, time);
 * - `rollups_<resolution>`: one row per series and window, keyed by (path,
 *   bucket = window start), the highest revision of the window's Rollup record;
 * - `too_old_readings`: the readings the rollups left out because they arrived
 *   older than the correction horizon, keyed by (path, time): they are in
 *   `measurements` but in no rollup, so an aggregate read from rollups over
 *   them is incomplete.
 *
 * Times are timestamptz; `delta` is null for series that are not energy.
 *
 * The device registry (registry/ reads and writes it) lives in the same schema:
 * `tenants`, `sites`, `devices`, `device_credentials`, `api_tokens`,
 * `series_settings`, and `registry_revision`, one row counting every change.
 */
import { parseResolution } from './resolution';

/** Column names, in the order the tables declare them (and COPY sends them). */
export const columns = {
  series: ['path', 'tenant', 'site', 'device', 'metric', 'kind', 'unit', 'first_seen', 'last_seen'],
  measurements: ['path', 'time', 'value', 'received_at'],
  rollups: ['path', 'bucket', 'bucket_end', 'kind', 'count', 'sum', 'min', 'max', 'first', 'first_time', 'last', 'last_time', 'delta', 'resets', 'final', 'revision', 'computed_at'],
  tooOldReadings: ['path', 'time'],
} as const;

export const seriesTable = 'series';
export const measurementsTable = 'measurements';
export const tooOldReadingsTable = 'too_old_readings';

/** The registry's tables (schemas/migrations.ts `0006_registry` has their columns). */
export const registryTables = {
  tenants: 'tenants',
  sites: 'sites',
  devices: 'devices',
  deviceCredentials: 'device_credentials',
  apiTokens: 'api_tokens',
  seriesSettings: 'series_settings',
  revision: 'registry_revision',
} as const;

export type RegistryTables = { readonly [K in keyof typeof registryTables]: string };

/**
 * Control configuration's tables (schemas/migrations.ts `0007_configuration`), in the registry's schema:
 * device-type JSON schemas, immutable documents, assignments and each device's desired configuration (the API's),
 * each device's configuration state with its changes and the offsets consumed into it (the configuration processor's).
 */
export const configurationTables = {
  deviceTypes: 'config_device_types',
  documents: 'config_documents',
  assignments: 'config_assignments',
  desired: 'config_desired',
  deviceState: 'config_device_state',
  stateChanges: 'config_state_changes',
  consumedOffsets: 'config_consumed_offsets',
} as const;

export type ConfigurationTables = { readonly [K in keyof typeof configurationTables]: string };

export function configurationTableNames(schema: string): ConfigurationTables {
  return Object.fromEntries(Object.entries(configurationTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as ConfigurationTables;
}

/**
 * The webhooks' tables (schemas/migrations.ts `0008_webhooks`), in the registry's schema: each tenant's
 * subscriptions (the admin API's), the outbox of messages to deliver with each one's delivery state, and the
 * offsets of the source topics whose events are in it (the webhooks republisher's).
 */
export const webhookTables = {
  subscriptions: 'webhook_subscriptions',
  messages: 'webhook_messages',
  consumedOffsets: 'webhook_consumed_offsets',
} as const;

export type WebhookTables = { readonly [K in keyof typeof webhookTables]: string };

export function webhookTableNames(schema: string): WebhookTables {
  return Object.fromEntries(Object.entries(webhookTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as WebhookTables;
}

/**
 * Alert rules (schemas/migrations.ts `0009_alert_rules`), in the registry's schema: each tenant's rules as
 * `fleetstream alerts apply` stored them, read by the alerts processor.
 */
export const alertRulesTable = 'alert_rules';

/** Alert history (`0009_alert_rules` too): every event of fleet.alerts.v1, one row each, written by the alerts processor's history consumer. */
export const alertEventsTable = 'alert_events';

/** What people add to an alarm (`0009_alert_rules` too): acknowledgement, assignee, comments; the processor never writes it. */
export const alarmNotesTable = 'alarm_notes';

/**
 * The handler workers' tables (schemas/migrations.ts `0012_handlers`), in the registry's schema: every
 * handler execution with its retry state and its last outcome, the offsets of the request topic whose
 * requests are in it, and the results not yet written to fleet.handler-results.v1 (issue 17, item 3).
 */
/**
 * Secrets that handler targets name instead of holding (`secretRef`), per tenant (schemas/migrations.ts
 * `0015_handler_secrets`, in the registry's schema): kept out of the documents in git and out of Kafka.
 */
export const handlerSecretsTable = 'handler_secrets';

export const handlerTables = {
  executions: 'handler_executions',
  consumedOffsets: 'handler_consumed_offsets',
  resultOutbox: 'handler_result_outbox',
} as const;

export type HandlerTables = { readonly [K in keyof typeof handlerTables]: string };

export function handlerTableNames(schema: string): HandlerTables {
  return Object.fromEntries(Object.entries(handlerTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as HandlerTables;
}

/**
 * Automations (schemas/migrations.ts `0011_automations`), in the registry's schema: each tenant's automations as
 * `fleetstream automations apply` and the admin API stored them; every fire (`automation_runs`, one row per
 * (automation, trigger), a schedule slot recorded before its handler requests are sent); and the scheduler's
 * cursor per schedule (the newest slot it has decided, fired or skipped).
 */
export const automationTables = {
  automations: 'automations',
  runs: 'automation_runs',
  schedules: 'automation_schedules',
} as const;

export type AutomationTables = { readonly [K in keyof typeof automationTables]: string };

export function automationTableNames(schema: string): AutomationTables {
  return Object.fromEntries(Object.entries(automationTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as AutomationTables;
}

/**
 * Notifications (schemas/migrations.ts `0014_notifications`), in the registry's schema: each tenant's policy as
 * `fleetstream notifications apply` stored it; the silences; the current state of every alarm the alerts topic
 * told of (with the offsets of that topic, written in the same transaction); the aggregation groups with their
 * timers and notification logs; and every flush that sends something, recorded before its handler requests are sent.
 */
export const notificationTables = {
  policies: 'notification_policies',
  silences: 'notification_silences',
  alerts: 'notification_alerts',
  consumedOffsets: 'notification_consumed_offsets',
  groups: 'notification_groups',
  flushes: 'notification_flushes',
} as const;

export type NotificationTables = { readonly [K in keyof typeof notificationTables]: string };

export function notificationTableNames(schema: string): NotificationTables {
  return Object.fromEntries(Object.entries(notificationTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as NotificationTables;
}

/**
 * The MQTT republisher's tables (schemas/migrations.ts `0013_mqtt_republish`), in the registry's schema:
 * the state last claimed for each republished topic (its order and payload: the compacted view a
 * reconnected broker is given again), and the tenants' read-only reader accounts on the broker.
 */
export const mqttRepublishTables = {
  state: 'mqtt_republish_state',
  readers: 'mqtt_republish_readers',
} as const;

export type MqttRepublishTables = { readonly [K in keyof typeof mqttRepublishTables]: string };

export function mqttRepublishTableNames(schema: string): MqttRepublishTables {
  return Object.fromEntries(Object.entries(mqttRepublishTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as MqttRepublishTables;
}

/**
 * The archive's record of what it exported (schemas/migrations.ts `0010_archive`), in the tables' schema:
 * one row per (destination, tenant, day) whose manifest was written, with its revision and what it holds.
 */
export const archivedDaysTable = 'archived_days';

/** The registry's tables in one schema, quoted and qualified, ready for SQL text. */
export function registryTableNames(schema: string): RegistryTables {
  return Object.fromEntries(Object.entries(registryTables).map(([key, table]) => [key, qualified(schema, table)])) as unknown as RegistryTables;
}

/** The table of one resolution's rollups; the resolution is validated, so the name cannot inject SQL. */
export function rollupTable(resolution: string): string {
  return `rollups_${parseResolution(resolution).name}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** The tables' names in one schema, quoted and qualified, ready for SQL text. */
export interface Tables {
  series: string;
  measurements: string;
  /** `rollups_<resolution>` by resolution name */
  rollups: ReadonlyMap<string, string>;
  tooOldReadings: string;
}

export function tableNames(schema: string, resolutions: readonly string[]): Tables {
  return {
    series: qualified(schema, seriesTable),
    measurements: qualified(schema, measurementsTable),
    rollups: new Map(resolutions.map((name) => [name, qualified(schema, rollupTable(name))])),
    tooOldReadings: qualified(schema, tooOldReadingsTable),
  };
}
