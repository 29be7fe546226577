/**
 * A device as the registry holds it, and how it is read from a `devices` row
 * (`deviceColumns` selects what `deviceFromRow` reads).
 */
import { deviceName, type DeviceAddress } from './device-address';
import { locationFromColumns, type DeviceLocation } from './device-location';
import type { DeviceTags } from './device-tags';

/** `disabled` refuses the device until it is enabled again; `revoked` is for good (its credentials are revoked too). */
export type DeviceState = 'active' | 'disabled' | 'revoked';

export interface DeviceRecord extends DeviceAddress {
  /** `<tenant>/<site>/<device>`, also its MQTT username */
  name: string;
  tags: DeviceTags;
  location: DeviceLocation | null;
  /** The gateway it is behind, in the same tenant; null for a device of its own. */
  parent: DeviceAddress | null;
  state: DeviceState;
  createdAt: Date;
  updatedAt: Date;
  revision: number;
}

export const deviceColumns = 'tenant, site, name, tags, latitude, longitude, altitude, location_text, parent_site, parent_name, state, created_at, updated_at, revision';

export interface DeviceRow extends Record<string, unknown> {
  tenant: string;
  site: string;
  name: string;
  tags: DeviceTags;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  location_text: string | null;
  parent_site: string | null;
  parent_name: string | null;
  state: DeviceState;
  created_at: Date;
  updated_at: Date;
  revision: string;
}

export function deviceFromRow(row: DeviceRow): DeviceRecord {
  const address = { tenant: row.tenant, site: row.site, device: row.name };
  return {
    ...address,
    name: deviceName(address),
    tags: row.tags,
    location: locationFromColumns(row.latitude, row.longitude, row.altitude, row.location_text),
    parent: row.parent_site !== null && row.parent_name !== null ? { tenant: row.tenant, site: row.parent_site, device: row.parent_name } : null,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revision: Number(row.revision),
  };
}
