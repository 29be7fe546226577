/**
 * The processor's state in PostgreSQL (`config_device_state`), written only
 * here, in two kinds of transaction:
 *
 * - a consumed batch: its records from the partition's next unapplied offset
 *   on (`config_consumed_offsets`, locked first) are applied to their devices'
 *   rows (locked, in key order) and that offset moves past them, in one
 *   commit. Kafka's own committed offset trails it: a batch replayed after a
 *   crash finds its records below the stored offset and changes nothing, so
 *   no state change is lost or applied twice;
 * - a delivery round (`deliverDue`): due devices are locked (skipping those a
 *   batch holds), their retained configuration is produced, and only then is
 *   the publication (deliveries, next time, DELIVERED) committed. A crash in
 *   between publishes the same version and hash once more, which a device
 *   takes as the configuration it already has; the state change is made by
 *   the round that commits, once.
 *
 * Producing while a device's row is locked keeps one device's publications in
 * the order of its assignments, whichever member makes them.
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/pg-transaction';
import { deviceKey } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import { configurationTableNames, type ConfigurationTables } from '../../schemas/tables';
import type { DecodedRecord } from './configuration-inputs';
import { applyInput, deliveryRound, type IgnoredInput, type RedeliveryPolicy, type StateChange, type Step } from './device-configuration';
import { iso, keyColumns, recordFromRow, stateColumns, updateStatement, type DeviceRecord, type StateRow } from './device-state-rows';

export interface ConsumedRecord {
  offset: string;
  /** The Kafka record's bytes, for a dead letter. */
  value: Buffer;
  decoded: DecodedRecord;
}

export type Rejected = ConsumedRecord & { decoded: Extract<DecodedRecord, { kind: 'rejected' }> };

export interface DeviceChange extends StateChange {
  address: DeviceAddress;
}

export interface BatchOutcome {
  /** Records at or past the stored offset, applied now (the others were, before). */
  applied: number;
  changes: DeviceChange[];
  ignored: IgnoredInput[];
  rejected: Rejected[];
}

/** The document a publication carries: its canonical JSON as stored, so the bytes hashed are the bytes sent. */
export interface DocumentText {
  canonical: string;
  sha256: string;
}

export interface Publication {
  address: DeviceAddress;
  version: number;
  sha256: string;
}

export class DeviceStateStore {
  private readonly tables: ConfigurationTables;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly groupId: string,
    private readonly policy: RedeliveryPolicy,
  ) {
    this.tables = configurationTableNames(schema);
  }

  /**
   * Applies a batch of one partition. `beforeCommit` gets the records to
   * dead-letter and must have sent them when it resolves: a crash before the
   * commit sends them again (at least once), never loses one.
   */
  applyBatch(topic: string, partition: number, records: ConsumedRecord[], now: number, beforeCommit: (rejected: Rejected[]) => Promise<void>): Promise<BatchOutcome> {
    return inTransaction(this.pool, `applying ${records.length} records of ${topic}[${partition}]`, async (client) => {
      const next = await this.lockOffset(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const outcome: BatchOutcome = { applied: fresh.length, changes: [], ignored: [], rejected: [] };
      if (fresh.length === 0) return outcome;
      const known = await this.documentsOf(client, fresh);
      const inputs: { address: DeviceAddress; step: (current: DeviceRecord) => Step }[] = [];
      for (const record of fresh) {
        const decoded = this.checked(record, known);
        if (decoded.kind === 'rejected') outcome.rejected.push({ ...record, decoded });
        if (decoded.kind !== 'input') continue;
        inputs.push({ address: decoded.address, step: (current) => applyInput(current.configuration, decoded.input, now) });
      }
      const devices = await this.lockDevices(client, partition, inputs.map((i) => i.address));
      const touched = new Set<string>();
      for (const { address, step } of inputs) {
        const key = deviceKey(address);
        const current = devices.get(key)!;
        const result = step(current);
        devices.set(key, { address, configuration: result.device });
        if (result.device !== current.configuration) touched.add(key);
        if (result.change) outcome.changes.push({ address, ...result.change });
        if (result.ignored) outcome.ignored.push(result.ignored);
      }
      await this.write(client, partition, [...touched].map((key) => devices.get(key)!), outcome.changes);
      await beforeCommit(outcome.rejected);
      await client.query(`update ${this.tables.consumedOffsets} set next_offset = $4 where group_id = $1 and topic = $2 and kafka_partition = $3`, [
        this.groupId, topic, partition, (BigInt(records.at(-1)!.offset) + 1n).toString(),
      ]);
      return outcome;
    });
  }

  /**
   * One delivery round over the owned partitions: up to `limit` devices that
   * await an answer and whose publication is due or whose deadline passed.
   * `publish` must have produced their retained configuration when it
   * resolves; a device whose document is gone is not published, and times out.
   */
  deliverDue(
    partitions: readonly number[],
    now: number,
    limit: number,
    documentOf: (client: PoolClient, tenant: string, version: number) => Promise<DocumentText | undefined>,
    publish: (publications: (Publication & DocumentText)[]) => Promise<void>,
  ): Promise<{ due: number; published: number; changes: DeviceChange[] }> {
    return inTransaction(this.pool, 'delivering due configuration', async (client) => {
      const { rows } = await client.query<StateRow & { kafka_partition: number }>(
        `select ${stateColumns}, kafka_partition from ${this.tables.deviceState}
          where kafka_partition = any($1) and state in ('PENDING', 'DELIVERED') and (next_delivery_at <= $2 or deadline <= $2)
          order by next_delivery_at nulls last limit $3 for update skip locked`,
        [partitions, iso(now), limit],
      );
      const publications: (Publication & DocumentText)[] = [];
      const records = rows.map((row) => ({ partition: row.kafka_partition, record: recordFromRow(row) }));
      for (const { record } of records) {
        const c = record.configuration;
        if (c.nextDeliveryAt === null || c.nextDeliveryAt > now) continue;
        const document = await documentOf(client, record.address.tenant, c.version!);
        // a document whose tenant was removed meanwhile: nothing to publish, and the deadline ends it
        if (document === undefined || document.sha256 !== c.sha256) record.configuration = { ...c, nextDeliveryAt: null };
        else publications.push({ address: record.address, version: c.version!, ...document });
      }
      if (publications.length > 0) await publish(publications);
      const published = new Set(publications.map((p) => deviceKey(p.address)));
      const changes: DeviceChange[] = [];
      const byPartition = new Map<number, DeviceRecord[]>();
      for (const { partition, record } of records) {
        const round = deliveryRound(record.configuration, published.has(deviceKey(record.address)), now, this.policy);
        const configuration = round.device;
        for (const change of round.changes) changes.push({ address: record.address, ...change });
        const list = byPartition.get(partition) ?? [];
        list.push({ address: record.address, configuration });
        byPartition.set(partition, list);
      }
      for (const [partition, list] of byPartition) await this.write(client, partition, list, []);
      await this.insertChanges(client, changes);
      return { due: rows.length, published: publications.length, changes };
    });
  }

  /** The next offset to apply of a partition, its row locked (created at 0 when missing). */
  private async lockOffset(client: PoolClient, topic: string, partition: number): Promise<bigint> {
    const key = [this.groupId, topic, partition];
    await client.query(`insert into ${this.tables.consumedOffsets} (group_id, topic, kafka_partition, next_offset) values ($1, $2, $3, 0) on conflict do nothing`, key);
    const { rows } = await client.query<{ next_offset: string }>(`select next_offset from ${this.tables.consumedOffsets} where group_id = $1 and topic = $2 and kafka_partition = $3 for update`, key);
    return BigInt(rows[0]!.next_offset);
  }

  /** The (tenant, version) -> sha256 of the documents the batch's assignments name. */
  private async documentsOf(client: PoolClient, records: ConsumedRecord[]): Promise<Map<string, string>> {
    const named = new Map<string, [string, number]>();
    for (const { decoded } of records) {
      if (decoded.kind === 'input' && decoded.input.kind === 'assignment') named.set(`${decoded.address.tenant}/${decoded.input.assignment.version}`, [decoded.address.tenant, decoded.input.assignment.version]);
    }
    if (named.size === 0) return new Map();
    const { rows } = await client.query<{ tenant: string; version: string; sha256: string }>(
      `select d.tenant, d.version, d.sha256 from ${this.tables.documents} d join unnest($1::text[], $2::bigint[]) as k(tenant, version) on d.tenant = k.tenant and d.version = k.version`,
      [[...named.values()].map(([t]) => t), [...named.values()].map(([, v]) => v)],
    );
    return new Map(rows.map((row) => [`${row.tenant}/${row.version}`, row.sha256]));
  }

  /** An assignment of a document the registry does not hold (or with another hash) is refused. */
  private checked(record: ConsumedRecord, documents: Map<string, string>): DecodedRecord {
    const { decoded } = record;
    if (decoded.kind !== 'input' || decoded.input.kind !== 'assignment') return decoded;
    const { version, sha256 } = decoded.input.assignment;
    const stored = documents.get(`${decoded.address.tenant}/${version}`);
    if (stored === sha256) return decoded;
    const problem = stored === undefined ? `tenant ${decoded.address.tenant} has no configuration document version ${version}` : `document version ${version} has sha256 ${stored}, not ${sha256}`;
    return { kind: 'rejected', reason: 'invalid_config_assignment', message: problem };
  }

  /** The devices' rows, created where missing, locked in key order (so two batches never deadlock), by device key. */
  private async lockDevices(client: PoolClient, partition: number, addresses: DeviceAddress[]): Promise<Map<string, DeviceRecord>> {
    const unique = [...new Map(addresses.map((a) => [deviceKey(a), a])).values()].sort((a, b) => (deviceKey(a) < deviceKey(b) ? -1 : 1));
    const devices = new Map<string, DeviceRecord>();
    if (unique.length === 0) return devices;
    const keys = keyColumns(unique);
    await client.query(
      `insert into ${this.tables.deviceState} (tenant, site, device, kafka_partition)
        select tenant, site, device, $4 from unnest($1::text[], $2::text[], $3::text[]) as k(tenant, site, device) order by tenant, site, device on conflict do nothing`,
      [...keys, partition],
    );
    const { rows } = await client.query<StateRow>(
      `select ${stateColumns.split(', ').map((c) => `s.${c}`).join(', ')} from ${this.tables.deviceState} s
        join unnest($1::text[], $2::text[], $3::text[]) as k(tenant, site, device) on s.tenant = k.tenant and s.site = k.site and s.device = k.device
        order by s.tenant, s.site, s.device for update of s`,
      keys,
    );
    for (const row of rows) {
      const record = recordFromRow(row);
      devices.set(deviceKey(record.address), record);
    }
    return devices;
  }

  private async write(client: PoolClient, partition: number, records: DeviceRecord[], changes: DeviceChange[]): Promise<void> {
    if (records.length > 0) {
      const { text, values } = updateStatement(this.tables.deviceState, partition, records);
      await client.query(text, values);
    }
    await this.insertChanges(client, changes);
  }

  private async insertChanges(client: PoolClient, changes: DeviceChange[]): Promise<void> {
    if (changes.length === 0) return;
    await client.query(
      `insert into ${this.tables.stateChanges} (tenant, site, device, assignment_id, version, from_state, to_state, detail, at)
        select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])`,
      [
        ...keyColumns(changes.map((c) => c.address)),
        changes.map((c) => c.assignmentId),
        changes.map((c) => c.version),
        changes.map((c) => c.from),
        changes.map((c) => c.to),
        changes.map((c) => c.detail),
        changes.map((c) => iso(c.at)),
      ],
    );
  }
}
