/**
 * Who may do what on the broker, as the project's Mosquitto plugin enforces it
 * (broker/plugin/access_rules.h is the reference). Pure: no I/O.
 *
 * A device's rights follow from its username `<tenant>/<site>/<device>`: it
 * publishes in `fleet/<tenant>/<site>/<device>/#`, subscribes there to filters
 * that cannot match its uplink `.../up`, and receives what is published there
 * but its uplink. Nothing per device is stored. A service account's rights are
 * lines of the rules file, `service <account> publish|subscribe|read <filter>`,
 * made here.
 */
import { FleetstreamError } from '../lib/errors';
import { segmentProblem, type DeviceAddress } from '../schemas/series-path';

export type ServiceRight = 'publish' | 'subscribe' | 'read';

export interface ServiceRule {
  account: string;
  right: ServiceRight;
  /** `subscribe`: the account may subscribe to any filter this one covers; `publish`, `read`: topics it matches. */
  filter: string;
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

/** The broker-wide received-message counter the connector's subscription watchdog reads. */
const brokerReceivedTopic = '$SYS/broker/publish/messages/received';

/** The MQTT source connector: the uplinks of every device, through any share group or none. */
export function mqttSourceRules(account: string, uplinkFilter = 'fleet/+/+/+/up'): ServiceRule[] {
  return [
    { account, right: 'subscribe', filter: `$share/+/${uplinkFilter}` },
    { account, right: 'subscribe', filter: uplinkFilter },
    { account, right: 'read', filter: uplinkFilter },
    { account, right: 'subscribe', filter: brokerReceivedTopic },
    { account, right: 'read', filter: brokerReceivedTopic },
  ];
}

/** Every right on every topic: the local stack's transitional account, for clients that have no device credentials yet. */
export function developmentRules(account: string): ServiceRule[] {
  const rights: [ServiceRight, string][] = [
    ['publish', '#'],
    ['subscribe', '#'],
    ['subscribe', '$share/#'],
    ['subscribe', '$SYS/#'],
    ['read', '#'],
    ['read', '$SYS/#'],
  ];
  return rights.map(([right, filter]) => ({ account, right, filter }));
}

/** The rules file; CONFIG_INVALID for an account or filter the plugin would refuse. */
export function accessRulesText(rules: ServiceRule[]): string {
  const lines = rules.map(({ account, right, filter }) => {
    if (!/^[^\s/#]+$/.test(account)) throw new FleetstreamError('CONFIG_INVALID', `service account "${account}" must be one word without '/' (a '/' would make it a device name)`);
    if (!/^\S+$/.test(filter)) throw new FleetstreamError('CONFIG_INVALID', `the filter "${filter}" of ${account} must be one word`);
    return `service ${account} ${right} ${filter}\n`;
  });
  return `# service <account> publish|subscribe|read <topic filter> (broker/plugin/access_rules.h)\n${lines.join('')}`;
}
