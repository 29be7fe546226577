/**
 * Registry names: a tenant, site or device name is one path segment of the
 * series path and one MQTT topic level (schemas/series-path.ts has the rule),
 * and a device is written `<tenant>/<site>/<device>`, which is also its MQTT
 * username: the broker derives the device's topic space
 * `fleet/<tenant>/<site>/<device>/#` from it. Pure: no I/O.
 */
import { FleetstreamError } from '../lib/errors';
import { segmentProblem, type DeviceAddress } from '../schemas/series-path';

export type { DeviceAddress };

/** `name` itself, or NAME_INVALID naming what is wrong (`what` is `tenant`, `site`, `device` or `metric`). */
export function checkedName(what: string, name: string): string {
  const problem = segmentProblem(what, name);
  if (problem) throw new FleetstreamError('NAME_INVALID', problem);
  return name;
}

/** `address` itself, or NAME_INVALID. */
export function checkedAddress(address: DeviceAddress): DeviceAddress {
  return { tenant: checkedName('tenant', address.tenant), site: checkedName('site', address.site), device: checkedName('device', address.device) };
}

/** `<tenant>/<site>/<device>` as an address, or NAME_INVALID. */
export function parseDeviceAddress(text: string): DeviceAddress {
  const parts = text.split('/');
  if (parts.length !== 3) throw new FleetstreamError('NAME_INVALID', `"${text}" is not a device: write <tenant>/<site>/<device>`);
  const [tenant, site, device] = parts as [string, string, string];
  return { tenant: checkedName('tenant', tenant), site: checkedName('site', site), device: checkedName('device', device) };
}

/** `<tenant>/<site>/<device>`: how the CLI and the API name a device, and the device's MQTT username. */
export function deviceName(address: DeviceAddress): string {
  return `${address.tenant}/${address.site}/${address.device}`;
}
