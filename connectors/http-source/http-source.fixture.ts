/** Fresh, isolated settings for one HTTP source under test (its own registry schema, topics and port), and the means to call it. */
import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { componentLogger } from '../../lib/logger';
import { addDevice, type DeviceAddress, type IssuedCredentials, type Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { eventually, freshKeyPrefix, freshTopic, onCleanup, testKafka, testSettings } from '../../test/factories';
import { start } from './index';
import type { HttpSourceOptions } from './options';

export interface IngestFixture {
  registry: Registry;
  options: HttpSourceOptions;
}

export async function ingestFixture(overrides: Partial<HttpSourceOptions> = {}): Promise<IngestFixture> {
  const registry = await freshRegistry();
  const settings = testSettings();
  const options: HttpSourceOptions = {
    port: 0,
    host: '127.0.0.1',
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    registrySchema: registry.schema,
    measurementsTopic: await freshTopic({ prefix: 'test.measurements', partitions: 3 }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    deviceMessagesTopic: await freshTopic({ prefix: 'test.device-messages', partitions: 3 }),
    redisUrl: settings.redisUrl,
    keyPrefix: freshKeyPrefix(),
    ...overrides,
  };
  return { registry, options };
}

/** Starts an HTTP source, stopped after the file's tests; `url` is its ingest endpoint. */
export async function startIngest(options: HttpSourceOptions, faults: { kafka?: Kafka } = {}) {
  const source = await start({ ...options, ...faults, logger: componentLogger('http-source-test') });
  onCleanup(() => source.stop());
  const scheme = options.tlsCertFile ? 'https' : 'http';
  return { source, url: `${scheme}://127.0.0.1:${source.port}/v1/ingest` };
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A device added to the registry, and its credentials as an Authorization header. */
export async function provisionDevice(registry: Registry, address: DeviceAddress): Promise<{ credentials: IssuedCredentials; authorization: string }> {
  const { credentials } = await addDevice(registry, address);
  return { credentials, authorization: basicAuthorization(credentials.username, credentials.password) };
}

/**
 * POSTs `body` to the ingest with `authorization` (if any): an object as JSON, a string as text/plain, bytes
 * with no content type. The status, headers and JSON body of the answer.
 */
export async function ingest(url: string, body: unknown, authorization?: string) {
  const json = typeof body !== 'string' && !Buffer.isBuffer(body);
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...(json && { 'content-type': 'application/json' }), ...(authorization && { authorization }) },
    body: json ? JSON.stringify(body) : (body as string | Buffer),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/**
 * A Kafka client whose producers hold every send until `release()`: requests
 * wait on Kafka for as long as a test needs, as they would while Kafka is slow.
 */
export function heldKafka(): { kafka: Kafka; sendsHeld: () => number; release(): void } {
  const kafka = testKafka();
  let held = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const producer = (config?: ProducerConfig): Producer => {
    const real = kafka.producer(config);
    const sendBatch = real.sendBatch.bind(real);
    real.sendBatch = async (batch) => {
      held++;
      await gate;
      return sendBatch(batch);
    };
    return real;
  };
  onCleanup(async () => release());
  return { kafka: Object.assign(Object.create(kafka) as Kafka, { producer }), sendsHeld: () => held, release: () => release() };
}

/** Waits until the held client holds at least `count` sends. */
export function sendsHeld(kafka: { sendsHeld: () => number }, count: number): Promise<true> {
  return eventually(() => (kafka.sendsHeld() >= count ? true : undefined), `${count} Kafka sends held`);
}
