/**
 * The MQTT topics a device talks back on, under its topic root `{base}`
 * (`fleet/<tenant>/<site>/<device>` by default). Devices and outside tools are
 * written against these names: keep them exactly (issue 16).
 *
 * Device to platform (the mqtt-source forwards them to `fleet.device-messages.v1`):
 *   cmd/ack/<id>              the device took command <id>; only this means ACKED, never a broker PUBACK
 *   cmd/res/<id>/<status>     its answer, with a body
 *   shadow/update | shadow/get | shadow/delete
 *   config/ack                `{version, sha256, status, detail}`
 *   status                    retained `online`, and `offline` as the device's last will
 * Platform to device (the mqtt-downlink publishes them from `fleet.downlink.v1`):
 *   cmd/req/<id>/<name>       QoS 1
 *   shadow/<op>/accepted | shadow/<op>/rejected, shadow/update/delta (retained)
 *   config                    retained `{version, sha256, config}`
 * Pure: no I/O.
 */
import { segmentProblem, type DeviceAddress } from './series-path';

/** The default topic root; `{tenant}`, `{site}` and `{device}` each stand for one topic level. */
export const defaultDeviceTopicRoot = 'fleet/{tenant}/{site}/{device}';

/** Statuses a device may answer a command with (`cmd/res/<id>/<status>`). */
export const commandResultStatuses = ['succeeded', 'failed'] as const;
export type CommandResultStatus = (typeof commandResultStatuses)[number];

export const shadowOperations = ['update', 'get', 'delete'] as const;
export type ShadowOperation = (typeof shadowOperations)[number];

/** What a device published, by the subtopic under its root. */
export type DeviceSubtopic =
  | { kind: 'command_ack'; commandId: string }
  | { kind: 'command_result'; commandId: string; status: CommandResultStatus }
  | { kind: 'shadow_request'; operation: ShadowOperation }
  | { kind: 'config_ack' }
  | { kind: 'status' };

export type DeviceMessageKind = DeviceSubtopic['kind'];

/** Command ids are UUIDs (lower case, as `crypto.randomUUID` makes them). */
const commandIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Command names: a path segment's characters, at most 64. */
const commandNamePattern = /^[A-Za-z0-9_.:~@-]{1,64}$/;

export function isCommandId(id: string): boolean {
  return commandIdPattern.test(id);
}

export function isCommandName(name: string): boolean {
  return commandNamePattern.test(name);
}

/** The device-to-platform message a subtopic names, or undefined for anything else (the uplink `up` included). */
export function parseDeviceSubtopic(subtopic: string): DeviceSubtopic | undefined {
  const levels = subtopic.split('/');
  const [first, second, third, fourth, ...rest] = levels;
  if (rest.length > 0) return undefined;
  if (first === 'cmd' && second === 'ack' && third !== undefined && fourth === undefined && isCommandId(third)) {
    return { kind: 'command_ack', commandId: third };
  }
  if (first === 'cmd' && second === 'res' && third !== undefined && isCommandId(third) && (commandResultStatuses as readonly string[]).includes(fourth ?? '')) {
    return { kind: 'command_result', commandId: third, status: fourth as CommandResultStatus };
  }
  if (first === 'shadow' && third === undefined && (shadowOperations as readonly string[]).includes(second ?? '')) {
    return { kind: 'shadow_request', operation: second as ShadowOperation };
  }
  if (first === 'config' && second === 'ack' && third === undefined) return { kind: 'config_ack' };
  if (first === 'status' && second === undefined) return { kind: 'status' };
  return undefined;
}

/** The subtopics a device publishes on, as filters below its root (what the mqtt-source subscribes to). */
export const deviceUplinkSubtopicFilters = ['cmd/ack/+', 'cmd/res/+/+', 'shadow/update', 'shadow/get', 'shadow/delete', 'config/ack', 'status'] as const;

/** Subtopics only the platform publishes on: a device's own publish there is refused by the broker. */
export const platformSubtopicFilters = ['cmd/req/#', 'shadow/+/accepted', 'shadow/+/rejected', 'shadow/update/delta', 'config'] as const;

export const downlinkSubtopics = {
  commandRequest: (commandId: string, name: string) => `cmd/req/${commandId}/${name}`,
  shadowAccepted: (operation: ShadowOperation) => `shadow/${operation}/accepted`,
  shadowRejected: (operation: ShadowOperation) => `shadow/${operation}/rejected`,
  shadowDelta: 'shadow/update/delta',
  config: 'config',
} as const;

export interface DeviceTopicRoot {
  /** `{base}` for a device. */
  base(device: DeviceAddress): string;
  /** `{base}/<subtopic>`. */
  topic(device: DeviceAddress, subtopic: string): string;
  /** The root with `+` for each placeholder, then `/<filter>`. */
  filter(subtopicFilter: string): string;
  /** The device and subtopic of a topic under the root, or undefined when it is not under one. */
  match(topic: string): { device: DeviceAddress; subtopic: string } | undefined;
}

const placeholders = ['tenant', 'site', 'device'] as const;

/** A topic root such as `fleet/{tenant}/{site}/{device}`; throws saying what is wrong with one that is not. */
export function parseDeviceTopicRoot(root: string): DeviceTopicRoot {
  const levels = root.split('/');
  for (const level of levels) {
    if (/^\{\w+\}$/.test(level)) {
      if (!(placeholders as readonly string[]).includes(level.slice(1, -1))) throw new Error(`device topic root "${root}": unknown placeholder ${level}`);
    } else if (level === '' || /[{}+#]/.test(level)) {
      throw new Error(`device topic root "${root}": level "${level}" must be a literal or one of {tenant}, {site}, {device}`);
    }
  }
  for (const p of placeholders) {
    if (levels.filter((l) => l === `{${p}}`).length !== 1) throw new Error(`device topic root "${root}": needs {${p}} exactly once`);
  }
  const base = (device: DeviceAddress) => levels.map((l) => (l.startsWith('{') ? device[l.slice(1, -1) as keyof DeviceAddress] : l)).join('/');
  return {
    base,
    topic: (device, subtopic) => `${base(device)}/${subtopic}`,
    filter: (subtopicFilter) => `${levels.map((l) => (l.startsWith('{') ? '+' : l)).join('/')}/${subtopicFilter}`,
    match(topic) {
      const parts = topic.split('/');
      if (parts.length <= levels.length) return undefined;
      const device: Partial<DeviceAddress> = {};
      for (let i = 0; i < levels.length; i++) {
        const level = levels[i]!;
        const part = parts[i]!;
        if (level.startsWith('{')) {
          const name = level.slice(1, -1) as keyof DeviceAddress;
          if (segmentProblem(name, part)) return undefined;
          device[name] = part;
        } else if (level !== part) {
          return undefined;
        }
      }
      return { device: device as DeviceAddress, subtopic: parts.slice(levels.length).join('/') };
    },
  };
}

/** The Kafka key of everything keyed by device: `<tenant>/<site>/<device>` (the device's broker username too). */
export function deviceKey(device: DeviceAddress): string {
  return `${device.tenant}/${device.site}/${device.device}`;
}
