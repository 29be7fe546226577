/**
 * Who may do what on the broker, as the project's Mosquitto plugin enforces it
 * (broker/plugin/access_rules.h is the reference). Pure: no I/O.
 *
 * A device's rights follow from its username `<tenant>/<site>/<device>`: it
 * publishes in `fleet/<tenant>/<site>/<device>/#` but not on the platform's
 * subtopics there (`deviceAllowed`, the plugin's rule in TypeScript),
 * subscribes there to filters that cannot match its uplink `.../up`, and
 * receives what is published there but its uplink. Nothing per device is
 * stored. A service account's rights are lines of the rules file,
 * `service <account> publish|subscribe|read <filter>`, made here.
 */
import { FleetstreamError } from '../lib/errors';
import { topicMatches } from '../lib/topic-filter';
import { deviceUplinkSubtopicFilters, platformSubtopicFilters } from '../schemas/device-topics';
import { republishTopicRoot, tenantRepublishFilter } from '../schemas/republish-topics';
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

/** The devices' topic roots `fleet/<tenant>/<site>/<device>` as a filter: the space the plugin gives each device. */
const deviceRootsFilter = 'fleet/+/+/+';

/**
 * The MQTT source connector: the uplinks of every device (readings on `up`,
 * and the subtopics devices talk back on, schemas/device-topics.ts), through
 * any share group or none.
 */
export function mqttSourceRules(account: string): ServiceRule[] {
  const filters = [`${deviceRootsFilter}/up`, ...deviceUplinkSubtopicFilters.map((subtopic) => `${deviceRootsFilter}/${subtopic}`)];
  return [
    ...filters.flatMap((filter): ServiceRule[] => [
      { account, right: 'subscribe', filter: `$share/+/${filter}` },
      { account, right: 'subscribe', filter },
      { account, right: 'read', filter },
    ]),
    { account, right: 'subscribe', filter: brokerReceivedTopic },
    { account, right: 'read', filter: brokerReceivedTopic },
  ];
}

/** The MQTT downlink: publishes on the platform's subtopics of every device (schemas/device-topics.ts), and nothing else. */
export function mqttDownlinkRules(account: string): ServiceRule[] {
  return platformSubtopicFilters.map((subtopic) => ({ account, right: 'publish', filter: `${deviceRootsFilter}/${subtopic}` }));
}

/** The MQTT republisher: publishes (retained) under the republish root, `fleet-out/#` (schemas/republish-topics.ts), and nothing else. */
export function mqttRepublisherRules(account: string): ServiceRule[] {
  return [{ account, right: 'publish', filter: `${republishTopicRoot}/#` }];
}

/** A tenant's republish reader (an HMI): subscribes to and receives its tenant's subtree `fleet-out/<tenant>/#`; publishes nothing. */
export function republishReaderRules(account: string, tenant: string): ServiceRule[] {
  const filter = tenantRepublishFilter(tenant);
  return [
    { account, right: 'subscribe', filter },
    { account, right: 'read', filter },
  ];
}

/**
 * The handler workers' mqtt_publish: publishes anywhere under `fleet/`; the
 * workers keep each execution inside its tenant's `fleet/<tenant>/` and off
 * the devices' uplinks and the platform's subtopics (schemas/handlers.ts).
 */
export function handlersRules(account: string): ServiceRule[] {
  return [{ account, right: 'publish', filter: 'fleet/#' }];
}

/**
 * What the plugin allows a device (broker/plugin/access_rules.c, `device_allowed`), in TypeScript:
 * `publish` in its space but on the platform's subtopics; `subscribe` to a filter in its space that
 * cannot match its uplink; `read` in its space but its uplink. Never `$share`.
 */
export function deviceAllowed(device: DeviceAddress, right: ServiceRight, topic: string): boolean {
  const space = `fleet/${device.tenant}/${device.site}/${device.device}`;
  const uplink = `${space}/up`;
  const subtopic = topic.startsWith(`${space}/`) ? topic.slice(space.length + 1) : undefined;
  if (topic !== space && subtopic === undefined) return false;
  switch (right) {
    case 'publish':
      return subtopic === undefined || !platformSubtopicFilters.some((filter) => topicMatches(filter, subtopic));
    case 'read':
      return topic !== uplink;
    case 'subscribe':
      return !topicMatches(topic, uplink);
  }
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
