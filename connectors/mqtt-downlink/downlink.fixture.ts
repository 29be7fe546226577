/** Fresh, isolated settings for one MQTT downlink under test (its own topics, group, client ids and device topic root), and the means to feed and watch it. */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Producer } from 'kafkajs';
import { producerDefaults } from '../../lib/kafka';
import { componentLogger } from '../../lib/logger';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deviceKey } from '../../schemas/device-topics';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DownlinkMessage } from '../../schemas/types';
import { freshGroupId, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { start } from './index';
import type { MqttDownlinkOptions } from './options';

export interface DownlinkFixture {
  options: MqttDownlinkOptions;
  /** `{base}` of a device under this fixture's root */
  base(device: string): string;
  /** A DownlinkMessage for device `device` of tenant acme, site plant1, with these fields. */
  message(device: string, fields: Partial<DownlinkMessage>): DownlinkMessage;
  /** Produces records to the fixture's downlink topic, in order: messages keyed by their device, or by `key`; `raw` values as they are. */
  produce(records: (DownlinkMessage | { key: string; message: DownlinkMessage } | { key: string; raw: Buffer })[]): Promise<void>;
}

export async function downlinkFixture(overrides: Partial<MqttDownlinkOptions> = {}): Promise<DownlinkFixture> {
  const root = uniqueName('dl');
  const settings = testSettings();
  const options: MqttDownlinkOptions = {
    mqttUrl: settings.mqttUrl,
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    downlinkTopic: await freshTopic({ prefix: 'test.downlink', partitions: 3 }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    deviceTopicRoot: `${root}/{tenant}/{site}/{device}`,
    groupId: freshGroupId(),
    clientIdPrefix: root,
    ...overrides,
  };
  const codec = new AvroCodec<DownlinkMessage>(createRegistryClient(settings.schemaRegistryUrl), valueSubject(options.downlinkTopic!), avroSchemas.DownlinkMessage);
  await codec.register();
  let producer: Promise<Producer> | undefined;
  const connected = () =>
    (producer ??= (async () => {
      const p = testKafka().producer({ ...producerDefaults });
      await p.connect();
      onCleanup(() => p.disconnect());
      return p;
    })());
  return {
    options,
    base: (device) => `${root}/acme/plant1/${device}`,
    message: (device, fields) => ({
      tenant: 'acme', site: 'plant1', device, subtopic: 'config', payload: Buffer.alloc(0), retain: false, qos: 1, expiresAt: null, origin: 'test', createdAt: Date.now(),
      ...fields,
    }),
    async produce(records) {
      const messages = records.map((r) => {
        if ('raw' in r) return { key: r.key, value: r.raw };
        if ('message' in r) return { key: r.key, value: codec.encode(r.message) };
        return { key: deviceKey(r), value: codec.encode(r) };
      });
      await (await connected()).send({ topic: options.downlinkTopic!, acks: -1, messages });
    },
  };
}

export async function startDownlink(options: MqttDownlinkOptions) {
  const downlink = await start(options, componentLogger('mqtt-downlink-test'));
  onCleanup(() => downlink.stop());
  return downlink;
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  packet: IPublishPacket;
}

/** An MQTT 5 client subscribed (QoS 1) to `filters`, one SUBSCRIBE each in order, collecting what it receives. */
export async function subscriber(filters: string[], options: IClientOptions & { url?: string } = {}): Promise<{ client: MqttClient; received: Received[] }> {
  const { url = testSettings().mqttUrl, ...clientOptions } = options;
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: uniqueName('device'), reconnectPeriod: 0, ...clientOptions });
  onCleanup(() => client.endAsync(true));
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain, packet }));
  for (const filter of filters) await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}
