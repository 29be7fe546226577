/**
 * Fresh topics for one shadow processor under test, producers of what devices
 * and the API send it, and readers of what it writes.
 */
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import type { Kafka } from 'kafkajs';
import { componentLogger, type Logger } from '../../lib/logger';
import { producerDefaults } from '../../lib/kafka';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deviceKey, type ShadowOperation } from '../../schemas/device-topics';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DeviceAddress } from '../../schemas/series-path';
import type { DeviceMessage, DownlinkMessage, ShadowRequest, ShadowResult, ShadowState } from '../../schemas/types';
import { eventually, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { TopicReader, type ReadRecord } from '../../test/topic-reader';
import { start } from './index';
import type { ShadowOptions } from './options';

export type ShadowFixtureOptions = ShadowOptions & Required<Pick<ShadowOptions, 'deviceMessagesTopic' | 'requestsTopic' | 'shadowsTopic' | 'resultsTopic' | 'downlinkTopic' | 'deadLetterTopic' | 'groupId'>>;

/** Options of a processor on fresh topics (`partitions` each, the shadows compacted). */
export async function shadowFixture(overrides: Partial<ShadowOptions> = {}, partitions = 3): Promise<ShadowFixtureOptions> {
  const settings = testSettings();
  return {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    deviceMessagesTopic: await freshTopic({ prefix: 'test.device-messages', partitions }),
    requestsTopic: await freshTopic({ prefix: 'test.shadow-requests', partitions }),
    shadowsTopic: await freshTopic({ prefix: 'test.shadows', partitions, config: { 'cleanup.policy': 'compact' } }),
    resultsTopic: await freshTopic({ prefix: 'test.shadow-results', partitions }),
    downlinkTopic: await freshTopic({ prefix: 'test.downlink', partitions }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    groupId: uniqueName('test-shadow'),
    instanceId: 'a',
    ...overrides,
  };
}

export async function startShadow(options: ShadowOptions, faults: { kafka?: Kafka; logger?: Logger } = {}) {
  const shadow = await start({ ...options, logger: componentLogger('shadow-test'), ...faults });
  onCleanup(() => shadow.stop());
  return shadow;
}

export const device = (name: string): DeviceAddress => ({ tenant: 'acme', site: 'plant1', device: name });

async function producerOf<T>(topic: string, schema: string): Promise<(messages: { key: string; value: T }[]) => Promise<void>> {
  const codec = new AvroCodec<T>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(topic), schema);
  await codec.register();
  const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return async (messages) => {
    await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: codec.encode(m.value) })) });
  };
}

/** Publishes as a device would through the mqtt-source: DeviceMessages keyed by device. */
export async function devicePublisher(options: ShadowFixtureOptions) {
  const send = await producerOf<DeviceMessage>(options.deviceMessagesTopic, avroSchemas.DeviceMessage);
  const message = (address: DeviceAddress, operation: ShadowOperation, body: unknown): { key: string; value: DeviceMessage } => ({
    key: deviceKey(address),
    value: {
      ...address,
      kind: 'shadow_request',
      subtopic: `shadow/${operation}`,
      payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      receivedAt: Date.now(),
      transport: 'mqtt',
      sourceTopic: `fleet/${deviceKey(address)}/shadow/${operation}`,
    },
  });
  return {
    publish: (address: DeviceAddress, operation: ShadowOperation, body: unknown) => send([message(address, operation, body)]),
    publishMany: (items: { device: DeviceAddress; operation: ShadowOperation; body: unknown }[]) => send(items.map((i) => message(i.device, i.operation, i.body))),
    /** a message of another kind, which the processor skips */
    status: (address: DeviceAddress) => send([{ key: deviceKey(address), value: { ...message(address, 'update', 'online').value, kind: 'status', subtopic: 'status' } }]),
  };
}

/** Sends ShadowRequests as the API does; returns the request id. */
export async function apiRequester(options: ShadowFixtureOptions) {
  const send = await producerOf<ShadowRequest>(options.requestsTopic, avroSchemas.ShadowRequest);
  return async (address: DeviceAddress, operation: ShadowOperation, body: unknown): Promise<string> => {
    const requestId = randomUUID();
    await send([{ key: deviceKey(address), value: { requestId, ...address, operation, payload: Buffer.from(JSON.stringify(body)), requestedAt: Date.now(), caller: 'test' } }]);
    return requestId;
  };
}

export interface ShadowReaders {
  downlink: TopicReader<DownlinkMessage>;
  results: TopicReader<ShadowResult>;
  /** raw: the topic holds the processor's restore markers (not Avro) besides the shadows */
  shadows: TopicReader<Buffer>;
  deadLetters: TopicReader<{ reason: string; source: string; message: string }>;
}

export async function shadowReaders(options: ShadowFixtureOptions): Promise<ShadowReaders> {
  return {
    downlink: await TopicReader.start<DownlinkMessage>(options.downlinkTopic),
    results: await TopicReader.start<ShadowResult>(options.resultsTopic),
    shadows: await TopicReader.start<Buffer>(options.shadowsTopic, { raw: true }),
    deadLetters: await TopicReader.start(options.deadLetterTopic),
  };
}

/** A downlink message with its payload read as JSON ('' for an empty one). */
export function downlinkOf(record: ReadRecord<DownlinkMessage>) {
  const { value } = record;
  const payload = Buffer.from(value.payload);
  return { device: value.device, subtopic: value.subtopic, retain: value.retain, qos: value.qos, payload: payload.length === 0 ? '' : (JSON.parse(payload.toString()) as Record<string, unknown>) };
}

export function downlinksOf(readers: ShadowReaders, address: DeviceAddress, subtopic?: string) {
  return readers.downlink.records.map(downlinkOf).filter((d) => d.device === address.device && (subtopic === undefined || d.subtopic === subtopic));
}

/** Waits for the result of API request `requestId`. */
export function resultOf(readers: ShadowReaders, requestId: string, timeoutMs = 30_000): Promise<ShadowResult> {
  return eventually(() => readers.results.records.find((r) => r.value.requestId === requestId)?.value, `the result of request ${requestId}`, timeoutMs);
}

const stateType = avro.Type.forSchema(JSON.parse(avroSchemas.ShadowState) as avro.Schema);

/** The newest stored state of a device (the Avro body after the wire format's 5-byte header). */
export function storedState(readers: ShadowReaders, address: DeviceAddress): ShadowState | undefined {
  const value = readers.shadows.records.filter((r) => r.key === deviceKey(address)).at(-1)?.value;
  return value ? (stateType.fromBuffer(value.subarray(5)) as ShadowState) : undefined;
}
