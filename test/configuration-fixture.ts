/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are checked field by field */
/**
 * Control configuration end to end without the MQTT side: a migrated registry
 * in a fresh schema, fresh topics, the query API, and a device player that
 * stands in for the devices and the mqtt-downlink (it reads what the
 * processor produces to the downlink topic and produces the devices'
 * DeviceMessages, as the mqtt-source would).
 */
import type { Producer } from 'kafkajs';
import { producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { start as startQueryApi } from '../query-api/index';
import { addDevice, createToken, type DeviceAddress, type Registry } from '../registry';
import { freshRegistry } from '../registry/registry.fixture';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deviceKey } from '../schemas/device-topics';
import { createRegistryClient } from '../schemas/registry-client';
import type { DeadLetter, DeviceMessage, DownlinkMessage } from '../schemas/types';
import { start as startProcessor } from '../stream-processors/configuration';
import type { ConfigurationOptions } from '../stream-processors/configuration/options';
import { eventually, freshGroupId, freshKeyPrefix, freshTopic, onCleanup, testKafka, testSettings } from './factories';
import { TopicReader } from './topic-reader';

export interface ConfigurationFixture {
  registry: Registry;
  options: ConfigurationOptions & { assignmentsTopic: string; deviceMessagesTopic: string; downlinkTopic: string; deadLetterTopic: string; databaseSchema: string };
  /** A platform admin token of the registry. */
  token: string;
  api: string;
}

export async function configurationFixture(overrides: Partial<ConfigurationOptions> = {}, partitions = 3): Promise<ConfigurationFixture> {
  const settings = testSettings();
  const registry = await freshRegistry();
  const [assignmentsTopic, deviceMessagesTopic, downlinkTopic, deadLetterTopic] = await Promise.all([
    freshTopic({ prefix: 'test.config-assignments', partitions }),
    freshTopic({ prefix: 'test.device-messages', partitions }),
    freshTopic({ prefix: 'test.downlink', partitions }),
    freshTopic({ prefix: 'test.deadletter' }),
  ]);
  const options = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    assignmentsTopic,
    deviceMessagesTopic,
    downlinkTopic,
    deadLetterTopic,
    groupId: freshGroupId(),
    redeliveryInitial: '1s',
    redeliveryMax: '4s',
    scanInterval: '200ms',
    ...overrides,
  };
  const token = (await createToken(registry, { tenant: null, role: 'admin', description: 'configuration tests' })).token;
  const api = await startQueryApi({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    databaseSchema: registry.schema,
    registrySchema: registry.schema,
    keyPrefix: freshKeyPrefix(),
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    configAssignmentsTopic: assignmentsTopic,
  });
  onCleanup(() => api.stop());
  return { registry, options, token, api: `http://127.0.0.1:${api.port}` };
}

export async function startConfigurationProcessor(fixture: ConfigurationFixture) {
  const processor = await startProcessor({ ...fixture.options, logger: componentLogger('configuration-test') });
  onCleanup(() => processor.stop());
  return processor;
}

export async function rest(fixture: ConfigurationFixture, method: string, path: string, body?: unknown, token = fixture.token): Promise<{ status: number; body: any }> {
  const response = await fetch(fixture.api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Devices with the registry tag `type`, in one site. */
export async function typedDevices(registry: Registry, tenant: string, site: string, type: string | undefined, names: string[]): Promise<DeviceAddress[]> {
  const devices = names.map((device) => ({ tenant, site, device }));
  for (const device of devices) await addDevice(registry, device, { tags: type === undefined ? {} : { type } });
  return devices;
}

export interface ConfigMessage {
  version: number;
  sha256: string;
  config: unknown;
}

/**
 * The devices and the mqtt-downlink, played: what the processor asks to be
 * published (the downlink topic), and what the devices say (DeviceMessages).
 */
export class DevicePlayer {
  private constructor(
    readonly downlinks: TopicReader<DownlinkMessage>,
    readonly deadLetters: TopicReader<DeadLetter>,
    private readonly producer: Producer,
    private readonly codec: AvroCodec<DeviceMessage>,
    private readonly topic: string,
  ) {}

  static async start(fixture: ConfigurationFixture): Promise<DevicePlayer> {
    const codec = new AvroCodec<DeviceMessage>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(fixture.options.deviceMessagesTopic), avroSchemas.DeviceMessage);
    await codec.register();
    const producer = testKafka().producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    onCleanup(() => producer.disconnect());
    const downlinks = await TopicReader.start<DownlinkMessage>(fixture.options.downlinkTopic);
    const deadLetters = await TopicReader.start<DeadLetter>(fixture.options.deadLetterTopic);
    return new DevicePlayer(downlinks, deadLetters, producer, codec, fixture.options.deviceMessagesTopic);
  }

  /** What devices publish, in order, as the mqtt-source would produce it. */
  async say(messages: { device: DeviceAddress; kind: 'config_ack' | 'status'; payload: string }[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: messages.map(({ device, kind, payload }) => {
        const subtopic = kind === 'status' ? 'status' : 'config/ack';
        const record: DeviceMessage = { ...device, kind, subtopic, payload: Buffer.from(payload), receivedAt: Date.now(), transport: 'mqtt', sourceTopic: `fleet/${deviceKey(device)}/${subtopic}` };
        return { key: deviceKey(device), value: this.codec.encode(record) };
      }),
    });
  }

  presence(device: DeviceAddress, status: 'online' | 'offline'): Promise<void> {
    return this.say([{ device, kind: 'status', payload: status }]);
  }

  ack(device: DeviceAddress, ack: { version: number; sha256: string; status: 'applied' | 'rejected' | 'failed'; detail?: string }): Promise<void> {
    return this.say([{ device, kind: 'config_ack', payload: JSON.stringify({ detail: '', ...ack }) }]);
  }

  /** The retained configurations published for one device so far, in order. */
  configsOf(device: DeviceAddress): (ConfigMessage & { message: DownlinkMessage })[] {
    return this.downlinks.records
      .filter((r) => r.key === deviceKey(device) && r.value.subtopic === 'config')
      .map((r) => ({ ...(JSON.parse(Buffer.from(r.value.payload).toString()) as ConfigMessage), message: r.value }));
  }

  /** Waits for the `count`-th publication of version `version` for the device. */
  async waitForConfig(device: DeviceAddress, version: number, count = 1, timeoutMs = 20_000): Promise<ConfigMessage & { message: DownlinkMessage }> {
    return eventually(() => this.configsOf(device).filter((c) => c.version === version)[count - 1], `publication ${count} of version ${version} for ${deviceKey(device)}`, timeoutMs);
  }
}

/** The device's configuration as the API shows it. */
export async function configurationOf(fixture: ConfigurationFixture, device: DeviceAddress): Promise<any> {
  const answer = await rest(fixture, 'GET', `/v1/admin/configuration/${device.tenant}/devices/${device.site}/${device.device}`);
  if (answer.status !== 200) throw new Error(`GET device configuration: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Waits until the device's state is `state` (at `version`, when given). */
export function waitForState(fixture: ConfigurationFixture, device: DeviceAddress, state: string, version?: number, timeoutMs = 20_000): Promise<any> {
  return eventually(
    async () => {
      const view = await configurationOf(fixture, device);
      return view.state?.state === state && (version === undefined || view.state.version === version) ? view : undefined;
    },
    `${deviceKey(device)} to be ${state}${version === undefined ? '' : ` at version ${version}`}`,
    timeoutMs,
    100,
  );
}
