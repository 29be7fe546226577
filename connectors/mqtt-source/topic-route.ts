/**
 * Where an MQTT message the connector received goes, by its topic alone (a
 * device's topic is its own: the broker's rules see to it, and nothing in the
 * payload can name another device): readings on the topic scheme, device
 * messages on the subtopics devices talk back on under the device topic root
 * (schemas/device-topics.ts), and anything else to the dead letters. The
 * scheme comes first, so `{base}/up` stays a reading. Pure: no I/O.
 */
import { parseDeviceSubtopic, type DeviceSubtopic, type DeviceTopicRoot } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import type { TopicScheme } from './topic-scheme';

export type TopicRoute =
  | { kind: 'reading'; address: DeviceAddress }
  | { kind: 'device_message'; device: DeviceAddress; subtopic: string; message: DeviceSubtopic }
  /** under a device's root, on no subtopic devices publish on */
  | { kind: 'unknown_subtopic'; device: DeviceAddress; subtopic: string }
  | { kind: 'outside' };

export function routeTopic(topic: string, scheme: TopicScheme, root: DeviceTopicRoot): TopicRoute {
  const address = scheme.match(topic);
  if (address) return { kind: 'reading', address };
  const under = root.match(topic);
  if (!under) return { kind: 'outside' };
  const message = parseDeviceSubtopic(under.subtopic);
  return message ? { kind: 'device_message', device: under.device, subtopic: under.subtopic, message } : { kind: 'unknown_subtopic', ...under };
}
