/** The admin API's device operations, authorized for the caller (caller.ts), then done by the registry. */
import { FleetstreamError } from '../../lib/errors';
import {
  addDevice,
  listDevices,
  removeDevice,
  requireDevice,
  revokeDevice,
  rotateCredentials,
  setDeviceEnabled,
  showDevice,
  updateDevice,
  type DeviceAddress,
  type DeviceDetails,
  type DeviceFilter,
  type DeviceRecord,
  type IssuedCredentials,
  type NewDevice,
  type Registry,
} from '../../registry';
import { authorize, listedTenant, type Caller } from './caller';

/** How many devices one listing holds at most, and when no limit is given. */
export const deviceListLimits = { default: 1000, max: 10_000 };

export interface DeviceQuery extends Omit<DeviceFilter, 'limit'> {
  tenant?: string;
  site?: string;
  limit?: number;
}

export interface DeviceOperations {
  list(caller: Caller, query: DeviceQuery): Promise<DeviceRecord[]>;
  show(caller: Caller, device: DeviceAddress): Promise<DeviceDetails>;
  /** DEVICE_NOT_FOUND unless the registry holds the device: for the routes that act on one (commands, shadows). */
  require(caller: Caller, device: DeviceAddress): Promise<void>;
  /** The credentials are in this answer and nowhere else. */
  add(caller: Caller, device: DeviceAddress, details: NewDevice): Promise<{ device: DeviceRecord; credentials: IssuedCredentials }>;
  update(caller: Caller, device: DeviceAddress, changes: NewDevice): Promise<DeviceRecord>;
  setEnabled(caller: Caller, device: DeviceAddress, enabled: boolean): Promise<DeviceRecord>;
  /** The new credentials are in this answer and nowhere else. */
  rotate(caller: Caller, device: DeviceAddress): Promise<IssuedCredentials>;
  revoke(caller: Caller, device: DeviceAddress): Promise<DeviceRecord>;
  remove(caller: Caller, device: DeviceAddress): Promise<void>;
}

export function deviceOperations(registry: Registry): DeviceOperations {
  const writing = (caller: Caller, device: DeviceAddress): void => authorize(caller, 'admin', device.tenant);
  return {
    list(caller, { tenant: asked, site, limit, ...filter }) {
      const tenant = listedTenant(caller, 'read', asked);
      if (site !== undefined && tenant === undefined) throw new FleetstreamError('REGISTRY_INPUT_INVALID', 'a site is named within a tenant: give tenant as well');
      if (filter.parent) authorize(caller, 'read', filter.parent.tenant);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > deviceListLimits.max)) {
        throw new FleetstreamError('REGISTRY_INPUT_INVALID', `limit ${limit} is not a whole number in [1, ${deviceListLimits.max}]; page with offset`);
      }
      const scope = tenant === undefined ? undefined : { tenant, ...(site === undefined ? {} : { site }) };
      return listDevices(registry, scope, { ...filter, limit: limit ?? deviceListLimits.default });
    },
    show(caller, device) {
      authorize(caller, 'read', device.tenant);
      return showDevice(registry, device);
    },
    require(caller, device) {
      authorize(caller, 'read', device.tenant);
      return requireDevice(registry, device);
    },
    add(caller, device, details) {
      writing(caller, device);
      return addDevice(registry, device, details);
    },
    update(caller, device, changes) {
      writing(caller, device);
      return updateDevice(registry, device, changes);
    },
    setEnabled(caller, device, enabled) {
      writing(caller, device);
      return setDeviceEnabled(registry, device, enabled);
    },
    rotate(caller, device) {
      writing(caller, device);
      return rotateCredentials(registry, device);
    },
    revoke(caller, device) {
      writing(caller, device);
      return revokeDevice(registry, device);
    },
    remove(caller, device) {
      writing(caller, device);
      return removeDevice(registry, device);
    },
  };
}
