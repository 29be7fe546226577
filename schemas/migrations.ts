/**
 * The versioned schema migrations, in order: the definition of the tables of
 * schemas/tables.ts. Each has a stable id recorded in `schema_migrations` once
 * applied; an applied migration is never changed, later changes are new
 * migrations. Migrations are plain SQL built from the configuration (schema,
 * resolutions, TimescaleDB policies), so this file has no I/O and
 * `apply-migrations.ts` runs them.
 *
 * Why not node-pg-migrate: v8+ is ESM-only, and this CommonJS package (and
 * jest's CommonJS transform) cannot load it; a numbered list and a table is
 * all this needs.
 */
import { alarmNotesTable, alertEventsTable, alertRulesTable, archivedDaysTable, automationTableNames, configurationTableNames, handlerSecretsTable, handlerTableNames, measurementsTable, mqttRepublishTableNames, notificationTableNames, qualified, quoteIdent, registryTableNames, rollupTable, seriesTable, tooOldReadingsTable, webhookTableNames } from './tables';

/** TimescaleDB chunk, compression and retention settings, as PostgreSQL interval literals (`7 days`); null: no such policy. */
export interface TimescalePolicies {
  rawChunkInterval: string;
  rawCompressAfter: string | null;
  rawRetention: string | null;
  /** per resolution; absent: `30 days` */
  rollupChunkInterval: Record<string, string>;
  /** per resolution; absent: `30 days` */
  rollupCompressAfter: Record<string, string | null>;
  /** per resolution; absent: kept */
  rollupRetention: Record<string, string | null>;
}

export interface MigrationContext {
  schema: string;
  resolutions: readonly string[];
  /** The policies when the TimescaleDB extension is in use (hypertables); absent: plain tables. */
  timescale?: TimescalePolicies;
}

export interface Migration {
  id: string;
  statements: string[];
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function rollupTableStatements(schema: string, resolution: string): string[] {
  const table = qualified(schema, rollupTable(resolution));
  return [
    `create table if not exists ${table} (
      path text not null, bucket timestamptz not null, bucket_end timestamptz not null, kind text not null,
      count bigint not null, sum double precision not null, min double precision not null, max double precision not null,
      first double precision not null, first_time timestamptz not null, last double precision not null, last_time timestamptz not null,
      delta double precision, resets integer not null, final boolean not null, revision bigint not null, computed_at timestamptz not null,
      primary key (path, bucket))`,
    // cross-series queries over a time range ("every series of a site, last hour")
    `create index if not exists ${quoteIdent(`${rollupTable(resolution)}_bucket_idx`)} on ${table} (bucket desc)`,
  ];
}

function hypertableStatements(schema: string, table: string, timeColumn: string, chunkInterval: string): string[] {
  const regclass = literal(qualified(schema, table));
  return [
    `select create_hypertable(${regclass}::regclass, by_range(${literal(timeColumn)}, interval ${literal(chunkInterval)}), if_not_exists => true, migrate_data => true)`,
    `alter table ${qualified(schema, table)} set (timescaledb.compress, timescaledb.compress_segmentby = 'path', timescaledb.compress_orderby = ${literal(`${timeColumn} desc`)})`,
  ];
}

/** Every migration for this configuration, in the order they apply. */
export function migrations(context: MigrationContext): Migration[] {
  const { schema } = context;
  const list: Migration[] = [
    {
      id: '0001_series',
      statements: [
        `create table if not exists ${qualified(schema, seriesTable)} (
          path text primary key, tenant text not null, site text not null, device text not null, metric text not null,
          kind text not null check (kind in ('energy','additive','non_additive')), unit text,
          first_seen timestamptz not null, last_seen timestamptz not null)`,
        // path-prefix lookups (`/acme/plant1/%`) for the hierarchy
        `create index if not exists series_path_prefix_idx on ${qualified(schema, seriesTable)} (path text_pattern_ops)`,
        `create index if not exists series_tenant_site_idx on ${qualified(schema, seriesTable)} (tenant, site, device)`,
      ],
    },
    {
      id: '0002_measurements',
      statements: [
        `create table if not exists ${qualified(schema, measurementsTable)} (
          path text not null, time timestamptz not null, value double precision not null, received_at timestamptz not null,
          primary key (path, time))`,
        `create index if not exists measurements_time_idx on ${qualified(schema, measurementsTable)} (time desc)`,
      ],
    },
  ];
  for (const resolution of context.resolutions) {
    list.push({ id: `0003_rollups_${resolution}`, statements: rollupTableStatements(schema, resolution) });
  }
  const t = context.timescale;
  if (t) {
    list.push({ id: '0004_timescaledb_measurements', statements: hypertableStatements(schema, measurementsTable, 'time', t.rawChunkInterval) });
    for (const resolution of context.resolutions) {
      const chunk = t.rollupChunkInterval[resolution] ?? '30 days';
      list.push({ id: `0004_timescaledb_rollups_${resolution}`, statements: hypertableStatements(schema, rollupTable(resolution), 'bucket', chunk) });
    }
  }
  // a plain table in every case: it holds only what the rollups left out, a small fraction of the raw rows,
  // and is kept as long as the rollups it makes incomplete (no retention of its own)
  list.push({
    id: '0005_too_old_readings',
    statements: [`create table if not exists ${qualified(schema, tooOldReadingsTable)} (path text not null, time timestamptz not null, primary key (path, time))`],
  });
  list.push({ id: '0006_registry', statements: registryStatements(schema) });
  list.push({ id: '0007_configuration', statements: configurationStatements(schema) });
  list.push({ id: '0008_webhooks', statements: webhookStatements(schema) });
  list.push({ id: '0009_alert_rules', statements: alertRulesStatements(schema) });
  list.push({ id: '0010_archive', statements: archiveStatements(schema) });
  list.push({ id: '0011_automations', statements: automationStatements(schema) });
  list.push({ id: '0012_handlers', statements: handlerStatements(schema) });
  list.push({ id: '0013_mqtt_republish', statements: mqttRepublishStatements(schema) });
  list.push({ id: '0014_notifications', statements: notificationStatements(schema) });
  list.push({
    id: '0015_handler_secrets',
    statements: [
      `create table if not exists ${qualified(schema, handlerSecretsTable)} (
        tenant text not null, name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:~@-]{0,99}$'), value text not null,
        created_at timestamptz not null default now(), updated_at timestamptz not null default now(), primary key (tenant, name))`,
    ],
  });
  return list;
}

// the rule of schemas/series-path.ts segmentProblem as it stood when this migration was written
const segmentCheck = `~ '^[A-Za-z0-9_.:~@-]{1,128}$'`;

/**
 * The device registry (registry/ reads and writes it). Every write takes the
 * next `registry_revision` first, in its transaction, and stamps the rows it
 * changes with it: pollers compare one number, and the row lock orders the
 * writers. A device's location is coordinates (WGS 84 degrees, altitude in
 * metres), a free-text description, or both.
 */
function registryStatements(schema: string): string[] {
  const t = registryTableNames(schema);
  const stamps = 'created_at timestamptz not null default now(), updated_at timestamptz not null default now(), revision bigint not null';
  return [
    `create table if not exists ${t.revision} (singleton boolean primary key default true check (singleton), revision bigint not null)`,
    `insert into ${t.revision} (singleton, revision) values (true, 0) on conflict do nothing`,
    `create table if not exists ${t.tenants} (name text primary key check (name ${segmentCheck}), ${stamps})`,
    `create table if not exists ${t.sites} (
      tenant text not null references ${t.tenants} (name) on delete cascade, name text not null check (name ${segmentCheck}), ${stamps},
      primary key (tenant, name))`,
    `create table if not exists ${t.devices} (
      tenant text not null, site text not null, name text not null check (name ${segmentCheck}),
      tags jsonb not null default '{}' check (jsonb_typeof(tags) = 'object'),
      latitude double precision check (latitude between -90 and 90), longitude double precision check (longitude between -180 and 180),
      altitude double precision, location_text text,
      parent_site text, parent_name text,
      state text not null default 'active' check (state in ('active', 'disabled', 'revoked')),
      ${stamps},
      primary key (tenant, site, name),
      foreign key (tenant, site) references ${t.sites} (tenant, name) on delete cascade,
      foreign key (tenant, parent_site, parent_name) references ${t.devices} (tenant, site, name),
      check ((latitude is null) = (longitude is null)), check (altitude is null or latitude is not null),
      check ((parent_site is null) = (parent_name is null)), check (parent_site is distinct from site or parent_name is distinct from name))`,
    `create index if not exists devices_parent_idx on ${t.devices} (tenant, parent_site, parent_name) where parent_name is not null`,
    // one row per password a device was given; the one not revoked is the device's password
    `create table if not exists ${t.deviceCredentials} (
      id bigint generated always as identity primary key,
      tenant text not null, site text not null, device text not null, username text not null,
      password_hash text not null, broker_password_hash text not null,
      created_at timestamptz not null default now(), revoked_at timestamptz,
      foreign key (tenant, site, device) references ${t.devices} (tenant, site, name) on delete cascade)`,
    `create unique index if not exists device_credentials_username_idx on ${t.deviceCredentials} (username) where revoked_at is null`,
    `create index if not exists device_credentials_device_idx on ${t.deviceCredentials} (tenant, site, device)`,
    // tenant null: a platform admin's token
    `create table if not exists ${t.apiTokens} (
      id text primary key, secret_sha256 bytea not null,
      tenant text references ${t.tenants} (name) on delete cascade, role text not null check (role in ('read', 'admin')),
      description text, created_at timestamptz not null default now(), last_used_at timestamptz, revoked_at timestamptz, revision bigint not null,
      check (tenant is not null or role = 'admin'))`,
    `create index if not exists api_tokens_tenant_idx on ${t.apiTokens} (tenant)`,
    `create table if not exists ${t.seriesSettings} (
      path text primary key, tenant text not null, site text not null, device text not null, metric text not null,
      kind text not null check (kind in ('energy', 'additive', 'non_additive')), unit text,
      updated_at timestamptz not null default now(), revision bigint not null)`,
    `create index if not exists series_settings_device_idx on ${t.seriesSettings} (tenant, site, device)`,
  ];
}

/**
 * Control configuration (issue 16, item 3), beside the registry it refers to.
 * The API writes device types, documents (immutable; a rollback is a new
 * version repeating an older one's content, `rollback_of`), assignments and
 * `config_desired`, each device's winning assignment: the highest precedence
 * (device 3 > tags 2 > site 1), then the newest. The configuration processor
 * alone writes `config_device_state` (a row per device it heard of, by the
 * member owning its Kafka partition), `config_state_changes` and
 * `config_consumed_offsets`, the next offset per input partition whose records
 * its state holds, written in the same transactions.
 */
function configurationStatements(schema: string): string[] {
  const r = registryTableNames(schema);
  const t = configurationTableNames(schema);
  const states = `'PENDING', 'DELIVERED', 'APPLIED', 'REJECTED', 'FAILED', 'TIMED_OUT'`;
  return [
    `create table if not exists ${t.deviceTypes} (
      tenant text not null references ${r.tenants} (name) on delete cascade, name text not null check (name ${segmentCheck}),
      schema jsonb not null, created_at timestamptz not null default now(), created_by text, updated_at timestamptz not null default now(), updated_by text,
      primary key (tenant, name))`,
    `create table if not exists ${t.documents} (
      tenant text not null, version bigint not null check (version >= 1), device_type text not null,
      content jsonb not null, canonical text not null, sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      description text, rollback_of bigint, created_at timestamptz not null default now(), created_by text,
      primary key (tenant, version),
      foreign key (tenant, device_type) references ${t.deviceTypes} (tenant, name) on delete cascade,
      foreign key (tenant, rollback_of) references ${t.documents} (tenant, version))`,
    `create index if not exists config_documents_type_idx on ${t.documents} (tenant, device_type, version desc)`,
    `create table if not exists ${t.assignments} (
      id bigint generated always as identity primary key, tenant text not null, version bigint not null,
      target_kind text not null check (target_kind in ('device', 'tags', 'site')), site text, device text, tags jsonb,
      deadline timestamptz not null, devices integer not null default 0, created_at timestamptz not null default now(), created_by text,
      foreign key (tenant, version) references ${t.documents} (tenant, version) on delete cascade,
      check ((target_kind = 'device') = (device is not null)), check ((target_kind = 'tags') = (tags is not null)), check (target_kind = 'tags' or site is not null))`,
    `create index if not exists config_assignments_version_idx on ${t.assignments} (tenant, version)`,
    `create table if not exists ${t.desired} (
      tenant text not null, site text not null, device text not null,
      assignment_id bigint not null references ${t.assignments} (id) on delete cascade,
      version bigint not null, sha256 text not null, deadline timestamptz not null, precedence smallint not null, assigned_at timestamptz not null default now(),
      primary key (tenant, site, device),
      foreign key (tenant, site, device) references ${r.devices} (tenant, site, name) on delete cascade)`,
    `create index if not exists config_desired_version_idx on ${t.desired} (tenant, version)`,
    // no foreign keys: the processor must never be refused a row for a device removed meanwhile
    `create table if not exists ${t.deviceState} (
      tenant text not null, site text not null, device text not null, kafka_partition integer not null,
      assignment_id bigint, version bigint, sha256 text, deadline timestamptz, state text check (state in (${states})), detail text,
      online boolean, deliveries integer not null default 0, next_delivery_at timestamptz,
      assigned_at timestamptz, delivered_at timestamptz, answered_at timestamptz, state_changed_at timestamptz, updated_at timestamptz not null default now(),
      primary key (tenant, site, device))`,
    `create index if not exists config_device_state_due_idx on ${t.deviceState} (kafka_partition, next_delivery_at) where next_delivery_at is not null`,
    `create index if not exists config_device_state_deadline_idx on ${t.deviceState} (kafka_partition, deadline) where state in ('PENDING', 'DELIVERED')`,
    `create index if not exists config_device_state_version_idx on ${t.deviceState} (tenant, version)`,
    `create table if not exists ${t.stateChanges} (
      id bigint generated always as identity primary key, tenant text not null, site text not null, device text not null,
      assignment_id bigint not null, version bigint not null, from_state text, to_state text not null check (to_state in (${states})), detail text, at timestamptz not null)`,
    `create index if not exists config_state_changes_device_idx on ${t.stateChanges} (tenant, site, device, id)`,
    `create table if not exists ${t.consumedOffsets} (
      group_id text not null, topic text not null, kafka_partition integer not null, next_offset bigint not null,
      primary key (group_id, topic, kafka_partition))`,
  ];
}

/**
 * Webhooks (issue 17, item 5), beside the tenants they belong to. The admin
 * API writes `webhook_subscriptions`; the webhooks republisher alone writes
 * `webhook_messages` (the outbox: one row per request body, up to a
 * subscription's max_batch events, with its delivery state) and
 * `webhook_consumed_offsets` (the next offset per source partition whose
 * events are in the outbox, written in the same transactions).
 */
/**
 * The MQTT republisher (republishers/mqtt): per republished topic the order
 * (a rollup's window start and revision, an alert's emission time) and the
 * payload last claimed, so a stale record never goes out over a newer one,
 * across restarts, and a broker that lost its retained messages gets them
 * again; and the tenants' reader accounts (their broker hash only),
 * broker-auth-sync's input beside the devices.
 */
function mqttRepublishStatements(schema: string): string[] {
  const r = registryTableNames(schema);
  const t = mqttRepublishTableNames(schema);
  return [
    `create table if not exists ${t.state} (
      topic text primary key, tenant text not null, kind text not null check (kind in ('rollup', 'alert')),
      order_major bigint not null, order_minor bigint not null, payload text not null, updated_at timestamptz not null default now())`,
    `create index if not exists mqtt_republish_state_tenant_idx on ${t.state} (tenant, topic)`,
    `create table if not exists ${t.readers} (
      username text primary key, tenant text not null references ${r.tenants} (name) on delete cascade,
      broker_password_hash text not null, description text,
      created_at timestamptz not null default now(), revoked_at timestamptz)`,
    `create index if not exists mqtt_republish_readers_tenant_idx on ${t.readers} (tenant)`,
  ];
}

function webhookStatements(schema: string): string[] {
  const r = registryTableNames(schema);
  const t = webhookTableNames(schema);
  return [
    `create table if not exists ${t.subscriptions} (
      id text primary key, tenant text not null references ${r.tenants} (name) on delete cascade,
      url text not null, event_types text[] not null check (cardinality(event_types) >= 1), path_filter text not null,
      payload text not null check (payload in ('thin', 'full')), max_batch integer not null check (max_batch between 1 and 1000),
      description text, secret text not null, previous_secret text, previous_secret_until timestamptz,
      enabled boolean not null default true, disabled_reason text, disabled_at timestamptz,
      created_at timestamptz not null default now(), created_by text, updated_at timestamptz not null default now(), revision bigint not null default 1)`,
    `create index if not exists webhook_subscriptions_tenant_idx on ${t.subscriptions} (tenant)`,
    `create table if not exists ${t.messages} (
      id text primary key, subscription_id text not null references ${t.subscriptions} (id) on delete cascade,
      body text not null, events integer not null, first_event_at timestamptz not null, last_event_at timestamptz not null,
      created_at timestamptz not null default now(),
      state text not null default 'pending' check (state in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0, next_attempt_at timestamptz not null,
      last_attempt_at timestamptz, last_status integer, last_error text, finished_at timestamptz)`,
    `create index if not exists webhook_messages_due_idx on ${t.messages} (subscription_id, next_attempt_at) where state = 'pending'`,
    `create index if not exists webhook_messages_events_idx on ${t.messages} (subscription_id, first_event_at)`,
    `create index if not exists webhook_messages_finished_idx on ${t.messages} (finished_at) where state <> 'pending'`,
    `create table if not exists ${t.consumedOffsets} (
      group_id text not null, topic text not null, kafka_partition integer not null, next_offset bigint not null,
      primary key (group_id, topic, kafka_partition))`,
  ];
}

/**
 * Handler executions (issue 17, item 3), written only by the handler workers:
 * one row per execution id (a request consumed twice is one execution), its
 * state as HandlerResult names it and its retry state; every change also
 * writes its HandlerResult to `handler_result_outbox`, in the same statement,
 * for fleet.handler-results.v1. `receiver` groups what one slow receiver may
 * hold (its URL's origin, the SMTP server, a device); `command_id` is the
 * id of the request whose answer finishes the execution (the command a
 * device_command or a forward_payload sent, finished by its status; the
 * shadow update of a set_desired or forward_payload, by its result), and
 * `awaiting_until` when the workers stop waiting for that answer.
 */
function handlerStatements(schema: string): string[] {
  const t = handlerTableNames(schema);
  return [
    `create table if not exists ${t.executions} (
      execution_id text not null, tenant text not null, handler text not null, target jsonb not null, payload text not null,
      origin_kind text not null, origin_id text not null, trigger text not null,
      fired_at timestamptz not null, requested_at timestamptz not null, deadline_at timestamptz,
      receiver text not null, command_id text, awaiting_until timestamptz,
      state text not null default 'RUNNING' check (state in ('RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'EXPIRED')),
      attempts integer not null default 0, detail text, next_attempt_at timestamptz,
      created_at timestamptz not null default now(), updated_at timestamptz not null default now(), finished_at timestamptz,
      primary key (execution_id))`,
    `create index if not exists handler_executions_due_idx on ${t.executions} (next_attempt_at) where state in ('RUNNING', 'RETRYING')`,
    `create index if not exists handler_executions_command_idx on ${t.executions} (command_id) where command_id is not null`,
    `create index if not exists handler_executions_origin_idx on ${t.executions} (tenant, origin_kind, origin_id, requested_at desc)`,
    `create index if not exists handler_executions_finished_idx on ${t.executions} (finished_at) where finished_at is not null`,
    `create table if not exists ${t.consumedOffsets} (
      group_id text not null, topic text not null, kafka_partition integer not null, next_offset bigint not null,
      primary key (group_id, topic, kafka_partition))`,
    // each change's HandlerResult, written with the change, deleted once on fleet.handler-results.v1
    `create table if not exists ${t.resultOutbox} (id bigint generated always as identity primary key, execution_id text not null, result jsonb not null)`,
  ];
}

/**
 * Alert rules (issue 17, item 1): one row per (tenant, rule id), the rule as
 * written (validated by `fleetstream alerts apply`, which alone writes here),
 * its revision counting its updates; and the alert history, every event of
 * fleet.alerts.v1 (the alerts processor's history consumer writes it), and
 * what people add to an alarm (the admin API's `alarm_notes`). No foreign key
 * to the tenants: rules are kept in git and may be applied
 * before the tenant's devices are registered.
 */
function alertRulesStatements(schema: string): string[] {
  const table = qualified(schema, alertRulesTable);
  const events = qualified(schema, alertEventsTable);
  const notes = qualified(schema, alarmNotesTable);
  return [
    `create table if not exists ${table} (
      tenant text not null, id text not null, definition jsonb not null, revision bigint not null default 1,
      source text, created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
      primary key (tenant, id))`,
    // one row per event: an alarm's transitions are told apart by their kind and event time, so a replayed event is not stored twice
    `create table if not exists ${events} (
      alarm_id text not null, transition text not null, event_time timestamptz not null,
      tenant text not null, rule_id text not null, path text not null, from_status text not null, to_status text not null,
      severity text, previous_severity text, value double precision, reads text not null, episode_start timestamptz not null,
      labels jsonb not null, emitted_at timestamptz not null,
      primary key (alarm_id, transition, event_time))`,
    `create index if not exists alert_events_tenant_time_idx on ${events} (tenant, event_time desc)`,
    `create index if not exists alert_events_path_time_idx on ${events} (path, event_time desc)`,
    // apart from the alarm's state, which the processor owns: a transition never wipes an acknowledgement or a comment
    `create table if not exists ${notes} (
      alarm_id text primary key, tenant text not null, acknowledged_at timestamptz, acknowledged_by text, assignee text,
      comments jsonb not null default '[]', updated_at timestamptz not null default now())`,
  ];
}

/**
 * Automations (issue 17, item 2): one row per (tenant, automation id), as
 * written (validated by `automations apply` and the admin API); every fire,
 * unique per (automation, trigger): a schedule slot (`schedule:<ISO time>`)
 * is inserted before its handler requests are sent, so two schedulers or a
 * restart never fire it twice, and `dispatched_at` stays null until Kafka
 * acknowledged them (a new leader sends those again, with the same execution
 * ids); an event's fire (`event:<topic>/<partition>/<offset>`) is recorded
 * from the handler requests. No foreign key to the tenants, as for alert rules.
 */
function automationStatements(schema: string): string[] {
  const t = automationTableNames(schema);
  return [
    `create table if not exists ${t.automations} (
      tenant text not null, id text not null, definition jsonb not null, revision bigint not null default 1,
      source text, created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
      primary key (tenant, id))`,
    `create table if not exists ${t.runs} (
      tenant text not null, automation_id text not null, trigger text not null, revision bigint not null,
      kind text not null check (kind in ('schedule', 'event')), fired_at timestamptz not null, missed_slots integer not null default 0,
      execution_ids text[] not null, payload jsonb, recorded_at timestamptz not null default now(), dispatched_at timestamptz,
      primary key (tenant, automation_id, trigger))`,
    `create index if not exists automation_runs_time_idx on ${t.runs} (tenant, automation_id, fired_at desc)`,
    `create index if not exists automation_runs_undispatched_idx on ${t.runs} (recorded_at) where dispatched_at is null`,
    `create table if not exists ${t.schedules} (
      tenant text not null, automation_id text not null, revision bigint not null, decided_until timestamptz not null,
      updated_at timestamptz not null default now(), primary key (tenant, automation_id))`,
  ];
}

/**
 * Notifications (issue 17, item 4): policies as tenant documents; silences
 * (expiring one sets its ends_at); one row per alarm the alerts topic told
 * of, written with the topic's next offsets in one transaction; the
 * aggregation groups, keyed by (tenant, group key), with their timers, flush
 * sequence and per-action notification log, so a restart neither resets a
 * timer nor forgets what was sent; each flush that sends something, unique
 * per (group, started_at, flush_seq) and inserted in the transaction that
 * moves the group on, before its handler requests go out; dispatched_at
 * stays null until Kafka acknowledged them (a new leader sends those again,
 * same execution ids).
 */
function notificationStatements(schema: string): string[] {
  const t = notificationTableNames(schema);
  return [
    `create table if not exists ${t.policies} (
      tenant text not null, id text not null, definition jsonb not null, revision bigint not null default 1,
      source text, created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
      primary key (tenant, id))`,
    `create table if not exists ${t.silences} (
      id uuid primary key, tenant text not null, matchers text[] not null, starts_at timestamptz not null, ends_at timestamptz not null,
      created_by text not null, comment text not null default '', created_at timestamptz not null default now(), updated_at timestamptz not null default now(),
      check (ends_at > starts_at))`,
    `create index if not exists notification_silences_tenant_end_idx on ${t.silences} (tenant, ends_at desc)`,
    `create table if not exists ${t.alerts} (
      alarm_id text primary key, tenant text not null, labels jsonb not null, status text not null check (status in ('firing', 'resolved')),
      starts_at timestamptz not null, ends_at timestamptz, value double precision, updated_at timestamptz not null default now())`,
    `create table if not exists ${t.consumedOffsets} (
      group_id text not null, topic text not null, kafka_partition integer not null, next_offset bigint not null,
      primary key (group_id, topic, kafka_partition))`,
    `create table if not exists ${t.groups} (
      tenant text not null, group_key text not null, started_at timestamptz not null, route_id text not null, receiver text not null,
      group_labels jsonb not null, next_flush_at timestamptz not null, flush_seq bigint not null default 0,
      log jsonb not null default '[]', flushed_resolved jsonb not null default '[]', updated_at timestamptz not null default now(),
      primary key (tenant, group_key))`,
    `create table if not exists ${t.flushes} (
      tenant text not null, group_key text not null, started_at timestamptz not null, flush_seq bigint not null,
      receiver text not null, flushed_at timestamptz not null, execution_ids text[] not null, requests jsonb not null,
      dispatched_at timestamptz, primary key (tenant, group_key, started_at, flush_seq))`,
    `create index if not exists notification_flushes_undispatched_idx on ${t.flushes} (flushed_at) where dispatched_at is null`,
    `create index if not exists notification_flushes_time_idx on ${t.flushes} (tenant, flushed_at desc)`,
  ];
}

/**
 * The archive job (issue 17, item 7): one row per (destination, tenant, day)
 * whose manifest it wrote; `snapshot_at` is when the export's snapshot was
 * taken, so raw readings stored later for that day (`too_old_readings`) are
 * found and the day exported again with the next revision.
 */
function archiveStatements(schema: string): string[] {
  return [
    `create table if not exists ${qualified(schema, archivedDaysTable)} (
      destination text not null, tenant text not null, day date not null, revision integer not null,
      rows bigint not null, files integer not null, bytes bigint not null, manifest_sha256 text not null,
      schema_version integer not null, snapshot_at timestamptz not null, archived_at timestamptz not null default now(),
      primary key (destination, tenant, day))`,
  ];
}

/**
 * Compression and retention policies: configuration rather than structure, so
 * they are re-applied on every start (remove, then add with the current values).
 */
export function policyStatements(context: MigrationContext): string[] {
  const t = context.timescale;
  if (!t) return [];
  const tables: { table: string; compressAfter: string | null; retention: string | null }[] = [
    { table: measurementsTable, compressAfter: t.rawCompressAfter, retention: t.rawRetention },
    ...context.resolutions.map((r) => ({
      table: rollupTable(r),
      compressAfter: r in t.rollupCompressAfter ? (t.rollupCompressAfter[r] ?? null) : '30 days',
      retention: t.rollupRetention[r] ?? null,
    })),
  ];
  return tables.flatMap(({ table, compressAfter, retention }) => {
    const regclass = `${literal(qualified(context.schema, table))}::regclass`;
    return [
      `select remove_compression_policy(${regclass}, if_exists => true)`,
      ...(compressAfter ? [`select add_compression_policy(${regclass}, interval ${literal(compressAfter)})`] : []),
      `select remove_retention_policy(${regclass}, if_exists => true)`,
      ...(retention ? [`select add_retention_policy(${regclass}, interval ${literal(retention)})`] : []),
    ];
  });
}
