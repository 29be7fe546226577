/**
 * `config_device_state` rows as DeviceConfiguration and back: the columns
 * every read selects, and the arrays an update unnests (one per column,
 * timestamps as ISO text, so one statement writes a whole batch).
 */
import type { ConfigState } from '../../schemas/configuration';
import type { DeviceAddress } from '../../schemas/series-path';
import type { DeviceConfiguration } from './device-configuration';

export const stateColumns = 'tenant, site, device, assignment_id, version, sha256, deadline, state, detail, online, deliveries, next_delivery_at, assigned_at, delivered_at, answered_at, state_changed_at';

export interface StateRow extends Record<string, unknown> {
  tenant: string;
  site: string;
  device: string;
  assignment_id: string | null;
  version: string | null;
  sha256: string | null;
  deadline: Date | null;
  state: ConfigState | null;
  detail: string | null;
  online: boolean | null;
  deliveries: number;
  next_delivery_at: Date | null;
  assigned_at: Date | null;
  delivered_at: Date | null;
  answered_at: Date | null;
  state_changed_at: Date | null;
}

export interface DeviceRecord {
  address: DeviceAddress;
  configuration: DeviceConfiguration;
}

const ms = (date: Date | null): number | null => (date === null ? null : date.getTime());
const whole = (text: string | null): number | null => (text === null ? null : Number(text));
const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

export function recordFromRow(row: StateRow): DeviceRecord {
  return {
    address: { tenant: row.tenant, site: row.site, device: row.device },
    configuration: {
      assignmentId: whole(row.assignment_id),
      version: whole(row.version),
      sha256: row.sha256,
      deadline: ms(row.deadline),
      state: row.state,
      detail: row.detail,
      online: row.online,
      deliveries: row.deliveries,
      nextDeliveryAt: ms(row.next_delivery_at),
      assignedAt: ms(row.assigned_at),
      deliveredAt: ms(row.delivered_at),
      answeredAt: ms(row.answered_at),
      stateChangedAt: ms(row.state_changed_at),
    },
  };
}

/**
 * Writes `records` over their rows ($1 is the Kafka partition they now belong to).
 * The rows exist and are locked by the caller's transaction.
 */
export function updateStatement(table: string, partition: number, records: DeviceRecord[]): { text: string; values: unknown[] } {
  const c = records.map((r) => r.configuration);
  const columns: [string, string, unknown[]][] = [
    ['tenant', 'text', records.map((r) => r.address.tenant)],
    ['site', 'text', records.map((r) => r.address.site)],
    ['device', 'text', records.map((r) => r.address.device)],
    ['assignment_id', 'bigint', c.map((d) => d.assignmentId)],
    ['version', 'bigint', c.map((d) => d.version)],
    ['sha256', 'text', c.map((d) => d.sha256)],
    ['deadline', 'timestamptz', c.map((d) => iso(d.deadline))],
    ['state', 'text', c.map((d) => d.state)],
    ['detail', 'text', c.map((d) => d.detail)],
    ['online', 'boolean', c.map((d) => d.online)],
    ['deliveries', 'integer', c.map((d) => d.deliveries)],
    ['next_delivery_at', 'timestamptz', c.map((d) => iso(d.nextDeliveryAt))],
    ['assigned_at', 'timestamptz', c.map((d) => iso(d.assignedAt))],
    ['delivered_at', 'timestamptz', c.map((d) => iso(d.deliveredAt))],
    ['answered_at', 'timestamptz', c.map((d) => iso(d.answeredAt))],
    ['state_changed_at', 'timestamptz', c.map((d) => iso(d.stateChangedAt))],
  ];
  const sets = columns.slice(3).map(([name]) => `${name} = v.${name}`);
  const text = `update ${table} s set kafka_partition = $1, ${sets.join(', ')}, updated_at = now()
    from unnest(${columns.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ')}) as v(${columns.map(([name]) => name).join(', ')})
    where s.tenant = v.tenant and s.site = v.site and s.device = v.device`;
  return { text, values: [partition, ...columns.map(([, , values]) => values)] };
}

export function keyColumns(addresses: readonly DeviceAddress[]): [string[], string[], string[]] {
  return [addresses.map((a) => a.tenant), addresses.map((a) => a.site), addresses.map((a) => a.device)];
}

export { iso };
