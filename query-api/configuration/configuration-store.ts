/**
 * Control configuration in the registry's PostgreSQL schema (migration
 * `0007_configuration`): device-type schemas, immutable documents numbered
 * per tenant, assignments resolved to devices, and what the configuration
 * processor keeps of each device's state.
 *
 * A device's type is its registry tag `type` (`fleetstream devices add ...
 * --tags type=em24`): tags are already the registry's device metadata, set by
 * the CLI and the admin API, and selectable; a column would change every
 * client of the registry's devices for one string.
 *
 * Precedence: each device follows one assignment, the one of the highest
 * precedence, device (3) over tag selector (2) over site (1), and among
 * equals the newest. An assignment reaches the devices of its target that
 * have the document's type and are not revoked, except those held by an
 * assignment of higher precedence. Writes of one tenant take its advisory
 * lock, so assignment ids, the records produced and `config_desired` agree
 * on what is newest.
 */
import type { PoolClient } from 'pg';
import { FleetstreamError } from '../../lib/errors';
import { databaseError } from '../../lib/pg-error-class';
import { inTransaction } from '../../lib/pg-transaction';
import type { DeviceAddress, DeviceTags, Registry } from '../../registry';
import { canonicalJson, configStates, sha256Hex, type ConfigState } from '../../schemas/configuration';
import { configurationTableNames, type ConfigurationTables } from '../../schemas/tables';
import type { ConfigAssignment } from '../../schemas/types';
import type { AssignmentPublisher } from './assignment-publisher';
import { checkDocument, compileDeviceTypeSchema } from './device-type-schema';

export interface DeviceTypeRecord {
  tenant: string;
  deviceType: string;
  schema: unknown;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface DocumentRecord {
  tenant: string;
  version: number;
  deviceType: string;
  sha256: string;
  description: string | null;
  /** The version whose content this one repeats, for a rollback. */
  rollbackOf: number | null;
  createdAt: Date;
  createdBy: string | null;
  /** In single answers only. */
  config?: unknown;
}

/** Where an assignment goes: one device, a site's devices, or the devices having every tag of a selector (in one site, if given). */
export type AssignmentTarget = { device: { site: string; device: string } } | { site: string } | { tags: DeviceTags; site?: string };

export interface AssignmentRecord {
  id: number;
  tenant: string;
  version: number;
  target: { kind: 'device' | 'site' | 'tags'; site: string | null; device: string | null; tags: DeviceTags | null };
  deadline: Date;
  /** The devices it reached (those held by a higher-precedence assignment are not counted). */
  devices: number;
  createdAt: Date;
  createdBy: string | null;
}

export interface DeviceConfigurationView {
  device: DeviceAddress;
  /** What the API resolved for it; null: nothing assigned. */
  desired: { assignmentId: number; version: number; sha256: string; deadline: Date; assignedAt: Date; target: AssignmentRecord['target'] } | null;
  /** What the processor holds; null: it has not heard of the device yet. */
  state: {
    assignmentId: number | null;
    version: number | null;
    sha256: string | null;
    state: ConfigState | null;
    detail: string | null;
    online: boolean | null;
    deliveries: number;
    nextDeliveryAt: Date | null;
    deliveredAt: Date | null;
    answeredAt: Date | null;
    stateChangedAt: Date | null;
  } | null;
  /** Its state changes, newest first. */
  history: { assignmentId: number; version: number; from: ConfigState | null; to: ConfigState; detail: string | null; at: Date }[];
}

export interface RolloutProgress {
  tenant: string;
  version: number;
  /** Devices whose desired configuration is this version. */
  devices: number;
  /** Of those, by state; a device the processor has not taken the assignment of yet counts as PENDING. */
  states: Record<ConfigState, number>;
  /** Of the PENDING, those the processor has not taken yet. */
  awaitingProcessor: number;
}

/** How many state changes a device's view shows. */
const historyLength = 50;
/** The furthest a deadline may be. */
const maxDeadlineMs = 366 * 24 * 60 * 60 * 1000;

const precedence = { device: 3, tags: 2, site: 1 } as const;

type Row = Record<string, unknown>;

function documentFromRow(row: Row, withConfig: boolean): DocumentRecord {
  return {
    tenant: row.tenant as string,
    version: Number(row.version),
    deviceType: row.device_type as string,
    sha256: row.sha256 as string,
    description: row.description as string | null,
    rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
    createdAt: row.created_at as Date,
    createdBy: row.created_by as string | null,
    ...(withConfig ? { config: row.content } : {}),
  };
}

function assignmentFromRow(row: Row): AssignmentRecord {
  return {
    id: Number(row.id),
    tenant: row.tenant as string,
    version: Number(row.version),
    target: { kind: row.target_kind as AssignmentRecord['target']['kind'], site: row.site as string | null, device: row.device as string | null, tags: row.tags as DeviceTags | null },
    deadline: row.deadline as Date,
    devices: row.devices as number,
    createdAt: row.created_at as Date,
    createdBy: row.created_by as string | null,
  };
}

/** `site:plant1`, `device:plant1/m7`, `tags:type=em24,floor=2` (`@plant1` when narrowed to a site): the record's `target`. */
function targetText(target: AssignmentRecord['target']): string {
  if (target.kind === 'device') return `device:${target.site}/${target.device}`;
  if (target.kind === 'site') return `site:${target.site}`;
  const tags = Object.entries(target.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return `tags:${tags}${target.site === null ? '' : `@${target.site}`}`;
}

export class ConfigurationStore {
  private readonly tables: ConfigurationTables;

  constructor(
    private readonly registry: Registry,
    private readonly publisher: AssignmentPublisher,
    private readonly now: () => number,
  ) {
    this.tables = configurationTableNames(registry.schema);
  }

  /** Creates or replaces a device type's schema; documents made before keep the validation they passed. */
  async putDeviceType(tenant: string, deviceType: string, schema: unknown, by: string): Promise<{ record: DeviceTypeRecord; created: boolean }> {
    compileDeviceTypeSchema(deviceType, schema);
    return this.tenantWrite(tenant, `storing device type ${tenant}/${deviceType}`, async (client) => {
      const { rows } = await client.query(
        `insert into ${this.tables.deviceTypes} (tenant, name, schema, created_by, updated_by) values ($1, $2, $3, $4, $4)
          on conflict (tenant, name) do update set schema = excluded.schema, updated_at = now(), updated_by = excluded.updated_by
          returning tenant, name, schema, created_at, created_by, updated_at, updated_by, (xmax = 0) as created`,
        [tenant, deviceType, JSON.stringify(schema), by],
      );
      const row = rows[0]!;
      return { record: this.deviceTypeFromRow(row), created: row.created as boolean };
    });
  }

  async getDeviceType(tenant: string, deviceType: string): Promise<DeviceTypeRecord> {
    const { rows } = await this.read(`reading device type ${tenant}/${deviceType}`, `select * from ${this.tables.deviceTypes} where tenant = $1 and name = $2`, [tenant, deviceType]);
    if (!rows[0]) throw this.noDeviceType(tenant, deviceType);
    return this.deviceTypeFromRow(rows[0]);
  }

  /** A new version of the tenant's documents, once `config` satisfies its device type's schema. */
  createDocument(tenant: string, document: { deviceType: string; config: unknown; description?: string }, by: string): Promise<DocumentRecord> {
    return this.tenantWrite(tenant, `creating a configuration document of ${tenant}`, (client) => this.insertDocument(client, tenant, document, by, null));
  }

  async listDocuments(tenant: string, filter: { deviceType?: string; limit: number; offset: number }): Promise<DocumentRecord[]> {
    const { rows } = await this.read(
      `listing the configuration documents of ${tenant}`,
      `select * from ${this.tables.documents} where tenant = $1 and ($2::text is null or device_type = $2) order by version desc limit $3 offset $4`,
      [tenant, filter.deviceType ?? null, filter.limit, filter.offset],
    );
    return rows.map((row) => documentFromRow(row, false));
  }

  async getDocument(tenant: string, version: number): Promise<DocumentRecord> {
    const { rows } = await this.read(`reading configuration document ${tenant} v${version}`, `select * from ${this.tables.documents} where tenant = $1 and version = $2`, [tenant, version]);
    if (!rows[0]) throw this.noVersion(tenant, version);
    return documentFromRow(rows[0], true);
  }

  /** Assigns a version, resolved to devices now; each device reached gets a record on the assignments topic before this commits. */
  assign(tenant: string, version: number, target: AssignmentTarget, deadline: Date, by: string): Promise<AssignmentRecord> {
    this.checkDeadline(deadline);
    return this.tenantWrite(tenant, `assigning configuration ${tenant} v${version}`, (client) => this.insertAssignment(client, tenant, version, target, deadline, by));
  }

  /**
   * Rolls back to `version`: a new version with its content (re-checked against
   * the device type's schema as it is now), recorded as its rollback, then
   * assigned. The new version is committed first, so the processor never reads
   * an assignment of a document it cannot see; should the assignment fail, the
   * version stays, unassigned.
   */
  async rollback(tenant: string, version: number, target: AssignmentTarget, deadline: Date, by: string, description?: string): Promise<{ document: DocumentRecord; assignment: AssignmentRecord }> {
    this.checkDeadline(deadline);
    const document = await this.tenantWrite(tenant, `rolling ${tenant} back to v${version}`, async (client) => {
      const old = await this.getDocument(tenant, version);
      return this.insertDocument(client, tenant, { deviceType: old.deviceType, config: old.config, description: description ?? `rollback to version ${version}` }, by, version);
    });
    const assignment = await this.assign(tenant, document.version, target, deadline, by);
    return { document, assignment };
  }

  async deviceConfiguration(address: DeviceAddress): Promise<DeviceConfigurationView> {
    const key = [address.tenant, address.site, address.device];
    const doing = `reading the configuration of ${address.tenant}/${address.site}/${address.device}`;
    const desired = (
      await this.read(
        doing,
        `select d.assignment_id, d.version, d.sha256, d.deadline, d.assigned_at, a.target_kind, a.site, a.device, a.tags
          from ${this.tables.desired} d join ${this.tables.assignments} a on a.id = d.assignment_id where d.tenant = $1 and d.site = $2 and d.device = $3`,
        key,
      )
    ).rows[0];
    const state = (await this.read(doing, `select * from ${this.tables.deviceState} where tenant = $1 and site = $2 and device = $3`, key)).rows[0];
    const history = await this.read(doing, `select * from ${this.tables.stateChanges} where tenant = $1 and site = $2 and device = $3 order by id desc limit ${historyLength}`, key);
    const whole = (value: unknown) => (value === null ? null : Number(value));
    return {
      device: address,
      desired: desired
        ? {
            assignmentId: Number(desired.assignment_id),
            version: Number(desired.version),
            sha256: desired.sha256 as string,
            deadline: desired.deadline as Date,
            assignedAt: desired.assigned_at as Date,
            target: assignmentFromRow({ ...desired, id: desired.assignment_id }).target,
          }
        : null,
      state: state
        ? {
            assignmentId: whole(state.assignment_id),
            version: whole(state.version),
            sha256: state.sha256 as string | null,
            state: state.state as ConfigState | null,
            detail: state.detail as string | null,
            online: state.online as boolean | null,
            deliveries: state.deliveries as number,
            nextDeliveryAt: state.next_delivery_at as Date | null,
            deliveredAt: state.delivered_at as Date | null,
            answeredAt: state.answered_at as Date | null,
            stateChangedAt: state.state_changed_at as Date | null,
          }
        : null,
      history: history.rows.map((row) => ({
        assignmentId: Number(row.assignment_id),
        version: Number(row.version),
        from: row.from_state as ConfigState | null,
        to: row.to_state as ConfigState,
        detail: row.detail as string | null,
        at: row.at as Date,
      })),
    };
  }

  async progress(tenant: string, version: number): Promise<RolloutProgress> {
    await this.getDocument(tenant, version);
    const { rows } = await this.read(
      `counting the rollout of ${tenant} v${version}`,
      `select case when s.assignment_id = d.assignment_id then s.state else 'PENDING' end as state,
              count(*)::integer as devices, count(*) filter (where s.assignment_id is distinct from d.assignment_id)::integer as awaiting
        from ${this.tables.desired} d left join ${this.tables.deviceState} s on s.tenant = d.tenant and s.site = d.site and s.device = d.device
        where d.tenant = $1 and d.version = $2 group by 1`,
      [tenant, version],
    );
    const states = Object.fromEntries(configStates.map((s) => [s, 0])) as Record<ConfigState, number>;
    let devices = 0;
    let awaitingProcessor = 0;
    for (const row of rows) {
      states[row.state as ConfigState] += row.devices as number;
      devices += row.devices as number;
      awaitingProcessor += row.awaiting as number;
    }
    return { tenant, version, devices, states, awaitingProcessor };
  }

  private async insertDocument(client: PoolClient, tenant: string, document: { deviceType: string; config: unknown; description?: string }, by: string, rollbackOf: number | null): Promise<DocumentRecord> {
    const { rows: types } = await client.query(`select schema from ${this.tables.deviceTypes} where tenant = $1 and name = $2`, [tenant, document.deviceType]);
    if (!types[0]) throw this.noDeviceType(tenant, document.deviceType);
    checkDocument(document.deviceType, compileDeviceTypeSchema(document.deviceType, types[0].schema), document.config);
    let canonical: string;
    try {
      canonical = canonicalJson(document.config);
    } catch (error) {
      throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the configuration has no canonical JSON form: ${(error as Error).message}`, { cause: error });
    }
    const { rows } = await client.query(
      `insert into ${this.tables.documents} (tenant, version, device_type, content, canonical, sha256, description, rollback_of, created_by)
        select $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 from ${this.tables.documents} where tenant = $1
        returning *`,
      [tenant, document.deviceType, canonical, canonical, sha256Hex(canonical), document.description ?? null, rollbackOf, by],
    );
    return documentFromRow(rows[0]!, false);
  }

  private async insertAssignment(client: PoolClient, tenant: string, version: number, target: AssignmentTarget, deadline: Date, by: string): Promise<AssignmentRecord> {
    const { rows: documents } = await client.query(`select device_type, sha256 from ${this.tables.documents} where tenant = $1 and version = $2`, [tenant, version]);
    const document = documents[0];
    if (!document) throw this.noVersion(tenant, version);
    const deviceType = document.device_type as string;
    const kind = 'device' in target ? 'device' : 'site' in target && !('tags' in target) ? 'site' : 'tags';
    const site = 'device' in target ? target.device.site : (target.site ?? null);
    const device = 'device' in target ? target.device.device : null;
    const tags = 'tags' in target ? target.tags : null;
    if (device !== null) await this.checkDeviceType(client, { tenant, site: site!, device }, deviceType);
    const { rows } = await client.query(
      `insert into ${this.tables.assignments} (tenant, version, target_kind, site, device, tags, deadline, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
      [tenant, version, kind, site, device, tags === null ? null : JSON.stringify(tags), deadline.toISOString(), by],
    );
    const assignment = assignmentFromRow(rows[0]!);
    const { rows: reached } = await client.query<{ site: string; device: string }>(
      `insert into ${this.tables.desired} as d (tenant, site, device, assignment_id, version, sha256, deadline, precedence)
        select tenant, site, name, $5, $6, $7, $8, $9 from ${this.registry.tables.devices}
          where tenant = $1 and tags ->> 'type' = $2 and state <> 'revoked'
            and ($3::text is null or site = $3) and ($4::text is null or name = $4) and ($10::jsonb is null or tags @> $10::jsonb)
          order by site, name
        on conflict (tenant, site, device) do update set assignment_id = excluded.assignment_id, version = excluded.version, sha256 = excluded.sha256,
          deadline = excluded.deadline, precedence = excluded.precedence, assigned_at = now()
          where d.precedence <= excluded.precedence
        returning site, device`,
      [tenant, deviceType, site, device, assignment.id, version, document.sha256, deadline.toISOString(), precedence[kind], tags === null ? null : JSON.stringify(tags)],
    );
    await client.query(`update ${this.tables.assignments} set devices = $2 where id = $1`, [assignment.id, reached.length]);
    await this.publish(reached.map((r) => ({ tenant, ...r })), assignment, document.sha256 as string, deviceType, by);
    return { ...assignment, devices: reached.length };
  }

  /**
   * Gives a device added (or whose tags changed) after assignments were made
   * the one that wins for it among those still open (deadline ahead) of its
   * type, when that one outranks what it follows now (precedence, then the
   * newest): a device joining a site gets the site's configuration. What it
   * follows is never taken away here; its own assignment keeps holding it.
   * Returns the assignment it was given, if any. Every API replica follows
   * the registry and may do this at once: the tenant's lock makes the first
   * do it and the others find it done.
   */
  reconcileDevice(address: DeviceAddress): Promise<number | undefined> {
    const key = [address.tenant, address.site, address.device];
    return this.tenantWrite(address.tenant, `resolving the configuration of ${address.tenant}/${address.site}/${address.device}`, async (client) => {
      const { rows: devices } = await client.query(`select tags from ${this.registry.tables.devices} where tenant = $1 and site = $2 and name = $3 and state <> 'revoked'`, key);
      const tags = devices[0]?.tags as DeviceTags | undefined;
      if (tags?.type === undefined) return undefined;
      const { rows: winners } = await client.query(
        `select a.*, d.sha256, d.device_type, case a.target_kind when 'device' then 3 when 'tags' then 2 else 1 end as precedence
          from ${this.tables.assignments} a join ${this.tables.documents} d on d.tenant = a.tenant and d.version = a.version
          where a.tenant = $1 and a.deadline > now() and d.device_type = $4
            and ((a.target_kind = 'device' and a.site = $2 and a.device = $3) or (a.target_kind = 'site' and a.site = $2)
              or (a.target_kind = 'tags' and (a.site is null or a.site = $2) and $5::jsonb @> a.tags))
          order by precedence desc, a.id desc limit 1`,
        [...key, tags.type, JSON.stringify(tags)],
      );
      const winner = winners[0];
      if (!winner) return undefined;
      const { rows: reached } = await client.query<{ site: string; device: string }>(
        `insert into ${this.tables.desired} as d (tenant, site, device, assignment_id, version, sha256, deadline, precedence) values ($1, $2, $3, $4, $5, $6, $7, $8)
          on conflict (tenant, site, device) do update set assignment_id = excluded.assignment_id, version = excluded.version, sha256 = excluded.sha256,
            deadline = excluded.deadline, precedence = excluded.precedence, assigned_at = now()
            where (d.precedence, d.assignment_id) < (excluded.precedence, excluded.assignment_id)
          returning site, device`,
        [...key, winner.id, winner.version, winner.sha256, (winner.deadline as Date).toISOString(), winner.precedence],
      );
      if (reached.length === 0) return undefined;
      const assignment = assignmentFromRow(winner);
      await this.publish([address], assignment, winner.sha256 as string, winner.device_type as string, assignment.createdBy ?? 'registry');
      return assignment.id;
    });
  }

  /** One record per device reached, on the assignments topic, before the caller's transaction commits. */
  private async publish(devices: DeviceAddress[], assignment: AssignmentRecord, sha256: string, deviceType: string, by: string): Promise<void> {
    const assignedAt = this.now();
    await this.publisher.send(
      devices.map((d): ConfigAssignment => ({
        tenant: d.tenant, site: d.site, device: d.device, assignmentId: assignment.id, version: assignment.version, sha256, deviceType,
        deadline: assignment.deadline.getTime(), target: targetText(assignment.target), assignedAt, assignedBy: by,
      })),
    );
  }

  private async checkDeviceType(client: PoolClient, address: DeviceAddress, deviceType: string): Promise<void> {
    const name = `${address.tenant}/${address.site}/${address.device}`;
    const { rows } = await client.query(`select tags ->> 'type' as type, state from ${this.registry.tables.devices} where tenant = $1 and site = $2 and name = $3`, [address.tenant, address.site, address.device]);
    if (!rows[0] || rows[0].state === 'revoked') throw new FleetstreamError('DEVICE_NOT_FOUND', `device ${name} is not in the registry, or revoked (\`fleetstream devices list\` shows what is)`);
    if (rows[0].type !== deviceType) {
      const has = rows[0].type === null ? 'has no `type` tag' : `is of type ${String(rows[0].type)}`;
      throw new FleetstreamError('CONFIG_TARGET_INVALID', `device ${name} ${has}, and the document is for type ${deviceType}; set the tag with \`fleetstream devices update ${name} --tags type=${deviceType}\` or PATCH /v1/admin/devices`);
    }
  }

  private checkDeadline(deadline: Date): void {
    const ms = deadline.getTime();
    if (!Number.isFinite(ms) || ms <= this.now() || ms > this.now() + maxDeadlineMs) {
      throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'deadline must be a date-time in the future, at most 366 days ahead');
    }
  }

  /** A write of one tenant: its advisory lock, after checking it exists. */
  private tenantWrite<T>(tenant: string, doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.registry.pool, doing, async (client) => {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`fleetstream.configuration.${this.registry.schema}.${tenant}`]);
      const { rows } = await client.query(`select 1 from ${this.registry.tables.tenants} where name = $1`, [tenant]);
      if (rows.length === 0) throw new FleetstreamError('TENANT_NOT_FOUND', `tenant ${tenant} is not in the registry (\`fleetstream devices add\` creates it with its first device)`);
      return work(client);
    });
  }

  private async read(doing: string, text: string, values: unknown[]): Promise<{ rows: Row[] }> {
    try {
      return await this.registry.pool.query(text, values);
    } catch (error) {
      throw databaseError(error, doing);
    }
  }

  private deviceTypeFromRow(row: Row): DeviceTypeRecord {
    return {
      tenant: row.tenant as string,
      deviceType: row.name as string,
      schema: row.schema,
      createdAt: row.created_at as Date,
      createdBy: row.created_by as string | null,
      updatedAt: row.updated_at as Date,
      updatedBy: row.updated_by as string | null,
    };
  }

  private noDeviceType(tenant: string, deviceType: string): FleetstreamError {
    return new FleetstreamError('DEVICE_TYPE_NOT_FOUND', `tenant ${tenant} has no schema for device type ${deviceType}: PUT /v1/admin/configuration/${tenant}/device-types/${deviceType} creates it`);
  }

  private noVersion(tenant: string, version: number): FleetstreamError {
    return new FleetstreamError('CONFIG_VERSION_NOT_FOUND', `tenant ${tenant} has no configuration document version ${version} (GET /v1/admin/configuration/${tenant}/documents lists them)`);
  }
}
