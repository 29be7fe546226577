/** Fresh, isolated settings for one MQTT source under test, and the means to feed it. */
import mqtt, { type MqttClient } from 'mqtt';
import { componentLogger } from '../../lib/logger';
import { freshTopic, onCleanup, testSettings, uniqueName } from '../../test/factories';
import { start } from './index';
import type { MqttSourceOptions } from './options';

export interface SourceFixture {
  options: MqttSourceOptions;
  /** the MQTT topic a device publishes on under this fixture's scheme */
  deviceTopic(tenant: string, site: string, device: string): string;
  /** `{base}/<subtopic>` of a device under this fixture's device topic root */
  deviceSubtopic(tenant: string, site: string, device: string, subtopic: string): string;
  /** an MQTT topic under the fixture's root that is outside its scheme and its device topic root */
  strayTopic: string;
}

export async function sourceFixture(overrides: Partial<MqttSourceOptions> = {}): Promise<SourceFixture> {
  const root = uniqueName('fs');
  const settings = testSettings();
  const options: MqttSourceOptions = {
    mqttUrl: settings.mqttUrl,
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    topicScheme: `${root}/{tenant}/{site}/{device}/up`,
    deviceTopicRoot: `${root}/{tenant}/{site}/{device}`,
    subscription: `${root}/#`,
    shareGroup: root,
    clientIdPrefix: root,
    connections: 4,
    measurementsTopic: await freshTopic({ prefix: 'test.measurements', partitions: 3 }),
    deviceMessagesTopic: await freshTopic({ prefix: 'test.device-messages', partitions: 3 }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    ...overrides,
  };
  return {
    options,
    deviceTopic: (tenant, site, device) => `${root}/${tenant}/${site}/${device}/up`,
    deviceSubtopic: (tenant, site, device, subtopic) => `${root}/${tenant}/${site}/${device}/${subtopic}`,
    strayTopic: `${root}/not-in-the-scheme`,
  };
}

export async function startSource(options: MqttSourceOptions) {
  const source = await start({ ...options, logger: componentLogger('mqtt-source-test') });
  onCleanup(() => source.stop());
  return source;
}

export async function devicePublisher(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(testSettings().mqttUrl, { protocolVersion: 5, clientId: uniqueName('device'), reconnectPeriod: 0 });
  onCleanup(() => client.endAsync());
  return client;
}

/**
 * Publishes `count` single-reading QoS 1 messages, one distinct (path, ts)
 * each, spread over `devices` devices, with at most `window` awaiting PUBACK.
 * Returns the (path, ts) keys it published.
 */
export async function publishSequence(
  client: MqttClient,
  fixture: SourceFixture,
  options: { count: number; devices: number; baseTs: number; window?: number; ratePerSecond?: number },
): Promise<Set<string>> {
  const keys = new Set<string>();
  const window = options.window ?? 100;
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      // paced: message i goes out no earlier than i / rate seconds after the start
      const due = options.ratePerSecond ? started + (i * 1000) / options.ratePerSecond : 0;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const device = `dev${i % options.devices}`;
      const ts = options.baseTs + i;
      keys.add(`/acme/site1/${device}/seq@${ts}`);
      await client.publishAsync(fixture.deviceTopic('acme', 'site1', device), JSON.stringify({ metric: 'seq', value: i, ts }), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return keys;
}
