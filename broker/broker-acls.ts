/**
 * What each account may do on the broker, as dynamic security ACLs. Pure: no I/O.
 *
 * A device's username is `<tenant>/<site>/<device>`; its space is
 * `fleet/<tenant>/<site>/<device>/#`. It publishes anywhere in its space and
 * subscribes anywhere in it except its uplink (its downlinks: cmd/, shadow/,
 * config/, ...). Mosquitto 2.0's dynamic security has no `%u` substitution
 * (measured, broker/README.md), so each device has a role of its own.
 */
import { FleetstreamError } from '../lib/errors';
import { segmentProblem, type DeviceAddress } from '../schemas/series-path';

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribeLiteral' | 'unsubscribePattern';

export interface Acl {
  acltype: AclType;
  topic: string;
  allow: boolean;
  /** Higher first; dynamic security checks a role's ACLs in this order. */
  priority?: number;
}

/** The address a device username names, or CONFIG_INVALID saying why it is none. */
export function parseDeviceUsername(username: string): DeviceAddress {
  const parts = username.split('/');
  if (parts.length !== 3) throw new FleetstreamError('CONFIG_INVALID', `device username "${username}" must be <tenant>/<site>/<device>`);
  const [tenant, site, device] = parts as [string, string, string];
  const problem = segmentProblem('tenant', tenant) ?? segmentProblem('site', site) ?? segmentProblem('device', device);
  if (problem) throw new FleetstreamError('CONFIG_INVALID', `device username "${username}": ${problem}`);
  return { tenant, site, device };
}

/** The role that holds one device's rights. */
export function deviceRoleName(username: string): string {
  return `device:${username}`;
}

export function deviceAcls(username: string): Acl[] {
  parseDeviceUsername(username);
  const space = `fleet/${username}`;
  return [
    { acltype: 'publishClientSend', topic: `${space}/#`, allow: true },
    { acltype: 'subscribePattern', topic: `${space}/up`, allow: false, priority: 1 },
    { acltype: 'subscribePattern', topic: `${space}/#`, allow: true },
    { acltype: 'publishClientReceive', topic: `${space}/up`, allow: false, priority: 1 },
    { acltype: 'publishClientReceive', topic: `${space}/#`, allow: true },
  ];
}

/** The MQTT source connector: the uplinks of every device, through its share group or not. */
export function mqttSourceAcls(uplinkFilter = 'fleet/+/+/+/up'): Acl[] {
  return [
    { acltype: 'subscribePattern', topic: `$share/+/${uplinkFilter}`, allow: true },
    { acltype: 'subscribePattern', topic: uplinkFilter, allow: true },
    { acltype: 'publishClientReceive', topic: uplinkFilter, allow: true },
  ];
}
