/**
 * What the registry tells its followers: every write sends one notification
 * per change on the PostgreSQL channel `fleetstream_registry`, in the write's
 * transaction (so it arrives only if the change committed, and after it), as
 * JSON such as
 *
 *   {"schema":"public","revision":42,"type":"device","change":"revoked","tenant":"acme","site":"plant1","device":"meter-7"}
 *
 * `schema` tells apart registries sharing a database (the channel is
 * database-wide); `revision` is the `registry_revision` the write took. Pure.
 */

export const registryChannel = 'fleetstream_registry';

export type DeviceChange = 'added' | 'updated' | 'rotated' | 'disabled' | 'enabled' | 'revoked' | 'removed';

export type RegistryChange =
  | { type: 'tenant'; change: 'added'; tenant: string }
  | { type: 'site'; change: 'added'; tenant: string; site: string }
  | { type: 'device'; change: DeviceChange; tenant: string; site: string; device: string }
  | { type: 'token'; change: 'added' | 'revoked'; token: string; tenant: string | null }
  | { type: 'republish_reader'; change: 'added' | 'revoked'; username: string; tenant: string }
  | { type: 'series_setting'; change: 'set' | 'removed'; path: string; tenant: string; site: string; device: string; metric: string };

export type RegistryNotification = RegistryChange & { schema: string; revision: number };

export function notificationPayload(schema: string, revision: number, change: RegistryChange): string {
  return JSON.stringify({ schema, revision, ...change });
}

/** The notification a payload carries, or undefined when it is not one (another sender on the channel). */
export function parseNotification(payload: string | undefined): RegistryNotification | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<RegistryNotification>;
    return typeof value.schema === 'string' && typeof value.revision === 'number' && typeof value.type === 'string' ? (value as RegistryNotification) : undefined;
  } catch {
    return undefined;
  }
}
