/**
 * Simulated devices that answer the platform: each device subscribes, on its
 * connection, to its command requests, its shadow delta and its
 * configuration (device-behaviour.ts decides the replies), and announces
 * itself with a retained `online` status. A device with a connection of its
 * own (provisioned) also leaves `offline` as its last will, as firmware does;
 * devices sharing a connection cannot each have one.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../lib/logger';
import { parseDeviceTopicRoot, defaultDeviceTopicRoot } from '../schemas/device-topics';
import { deviceListenSubtopics, SimulatedDeviceState, type DeviceReply } from './device-behaviour';
import type { DeviceAddress } from './payload';

export interface DeviceResponder {
  will(connection: number): IClientOptions['will'];
  onConnected(connection: number, client: MqttClient): Promise<void>;
  /** Commands the devices executed (redeliveries not counted), and replies published. */
  stats(): { executed: number; replies: number };
}

const root = parseDeviceTopicRoot(defaultDeviceTopicRoot);

export function createDeviceResponder(input: {
  devices: readonly DeviceAddress[];
  connections: number;
  intervalSeconds: number;
  logger: Logger;
}): DeviceResponder {
  const { devices, connections, logger } = input;
  const states = new Map(devices.map((device) => [root.base(device), { device, state: new SimulatedDeviceState(input.intervalSeconds) }]));
  // device i uses connection i mod connections; grouped once, not filtered per connection (10,000 provisioned devices are 10,000 connections)
  const byConnection: DeviceAddress[][] = Array.from({ length: connections }, () => []);
  devices.forEach((device, i) => byConnection[i % connections]!.push(device));
  const onConnection = (connection: number): DeviceAddress[] => byConnection[connection] ?? [];
  let replies = 0;

  const publishReplies = (client: MqttClient, device: DeviceAddress, toSend: DeviceReply[]) => {
    for (const reply of toSend) {
      replies++;
      client.publish(root.topic(device, reply.subtopic), reply.payload, { qos: 1, retain: reply.retain ?? false }, (error) => {
        if (error) logger.warn({ event: 'device_reply_failed', subtopic: reply.subtopic, err: error }, 'a simulated device could not publish its reply');
      });
    }
  };

  return {
    will(connection) {
      const mine = onConnection(connection);
      return mine.length === 1 ? { topic: root.topic(mine[0]!, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true } : undefined;
    },
    async onConnected(connection, client) {
      const mine = onConnection(connection);
      client.on('message', (topic, payload) => {
        const matched = root.match(topic);
        const entry = matched && states.get(root.base(matched.device));
        if (!matched || !entry) return;
        const { subtopic } = matched;
        if (subtopic.startsWith('cmd/req/')) publishReplies(client, entry.device, entry.state.onCommandRequest(subtopic, payload));
        else if (subtopic === 'shadow/update/delta') publishReplies(client, entry.device, entry.state.onShadowDelta(payload));
        else if (subtopic === 'config') publishReplies(client, entry.device, entry.state.onConfig(payload));
      });
      const birth = () => {
        for (const device of mine) client.publish(root.topic(device, 'status'), 'online', { qos: 1, retain: true });
      };
      client.on('connect', birth); // after a reconnect too
      if (mine.length > 0) await client.subscribeAsync(mine.flatMap((device) => deviceListenSubtopics.map((subtopic) => root.topic(device, subtopic))), { qos: 1 });
      birth();
    },
    stats() {
      let executed = 0;
      for (const { state } of states.values()) executed += state.executed;
      return { executed, replies };
    },
  };
}
