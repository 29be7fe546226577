/**
 * Test support for the MQTT republisher: a broker of the test file's own with
 * the project's plugin (the republisher's service account and rules beside
 * the connector's), broker-auth-sync following a fresh registry and owning
 * the broker's auth and rules files (so readers and devices made in the
 * registry get in as in production), fresh rollup and alert topics with
 * their codecs, and MQTT clients that read retained messages.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { mqttRepublisherRules } from '../../broker/access-rules';
import { readAuthFile, writeAuthFile } from '../../broker/auth-file-io';
import { start as startAuthSync } from '../../broker/auth-sync';
import { connectClient, startTestBroker, type Account, type TestBroker } from '../../broker/broker.fixture';
import type { RunningComponent } from '../../lib/component';
import { producerDefaults } from '../../lib/kafka';
import { componentLogger } from '../../lib/logger';
import type { Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import type { AlertEvent, DeadLetter, Rollup } from '../../schemas/types';
import { eventually, freshGroupId, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { start } from './index';
import type { MqttRepublisherOptions } from './options';

export interface RepublishFixture {
  broker: TestBroker;
  registry: Registry;
  republisher: Account;
  topics: { rollups1m: string; rollups1h: string; alerts: string; deadLetter: string };
  options: MqttRepublisherOptions;
  produceRollups(rollups: Rollup[]): Promise<void>;
  produceAlerts(events: AlertEvent[]): Promise<void>;
  /** A fresh 1m rollup topic of one partition, and a producer to it. */
  rollupTopic(): Promise<{ topic: string; produce(rollups: Rollup[]): Promise<void> }>;
  /** A record in the 1m rollups topic that is no Avro of the registry. */
  produceGarbage(key: string): Promise<void>;
  deadLetterCodec: AvroCodec<DeadLetter>;
}

export async function republishFixture(): Promise<RepublishFixture> {
  const republisher = { username: 'fleetstream-mqtt-republisher', password: randomBytes(18).toString('base64url') };
  const [broker, registry] = await Promise.all([startTestBroker([{ account: republisher, rules: mqttRepublisherRules(republisher.username) }]), freshRegistry()]);
  await followRegistry(broker, registry);

  const settings = testSettings();
  const schemaRegistry = createRegistryClient(settings.schemaRegistryUrl);
  // one partition each: a test's records keep the order it produced them in
  const [rollups1m, rollups1h, alerts, deadLetter] = await Promise.all([
    freshTopic({ prefix: 'test.rollups.1m' }),
    freshTopic({ prefix: 'test.rollups.1h' }),
    freshTopic({ prefix: 'test.alerts' }),
    freshTopic({ prefix: 'test.deadletter' }),
  ]);
  const rollupCodec = new AvroCodec<Rollup>(schemaRegistry, valueSubject(rollups1m), avroSchemas.Rollup);
  const rollup1hCodec = new AvroCodec<Rollup>(schemaRegistry, valueSubject(rollups1h), avroSchemas.Rollup);
  const alertCodec = new AvroCodec<AlertEvent>(schemaRegistry, valueSubject(alerts), avroSchemas.AlertEvent);
  await Promise.all([rollupCodec.register(), rollup1hCodec.register(), alertCodec.register()]);
  const producer: Producer = testKafka().producer({ ...producerDefaults });
  await producer.connect();
  onCleanup(() => producer.disconnect());

  const options: MqttRepublisherOptions = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    // over TLS, checked against the test CA
    mqttUrl: broker.tlsUrl,
    mqttCaFile: broker.caFile,
    mqttUsername: republisher.username,
    mqttPassword: republisher.password,
    resolutions: '1m,1h',
    rollupTopics: `1m=${rollups1m},1h=${rollups1h}`,
    alertsTopic: alerts,
    deadLetterTopic: deadLetter,
    groupId: freshGroupId(),
    clientId: uniqueName('republisher'),
    commitInterval: '200ms',
  };
  return {
    broker,
    registry,
    republisher,
    topics: { rollups1m, rollups1h, alerts, deadLetter },
    options,
    produceRollups: async (rollups) => {
      const messages = (resolution: string) => rollups.filter((r) => r.resolution === resolution).map((r) => ({ key: `${r.path}@${r.windowStart}`, value: (resolution === '1h' ? rollup1hCodec : rollupCodec).encode(r) }));
      for (const [resolution, topic] of [['1m', rollups1m], ['1h', rollups1h]] as const) {
        const batch = messages(resolution);
        if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
      }
    },
    produceAlerts: async (events) => {
      await producer.send({ topic: alerts, acks: -1, messages: events.map((e) => ({ key: e.path, value: alertCodec.encode(e) })) });
    },
    rollupTopic: async () => {
      const topic = await freshTopic({ prefix: 'test.rollups.1m' });
      const codec = new AvroCodec<Rollup>(schemaRegistry, valueSubject(topic), avroSchemas.Rollup);
      await codec.register();
      return { topic, produce: async (rollups) => void (await producer.send({ topic, acks: -1, messages: rollups.map((r) => ({ key: `${r.path}@${r.windowStart}`, value: codec.encode(r) })) })) };
    },
    produceGarbage: async (key) => {
      await producer.send({ topic: rollups1m, acks: -1, messages: [{ key, value: Buffer.from('not avro at all') }] });
    },
    deadLetterCodec: new AvroCodec<DeadLetter>(schemaRegistry, valueSubject(deadLetter), avroSchemas.DeadLetter),
  };
}

/** broker-auth-sync on the broker's files: the accounts and rules the broker starts with are its service accounts and rules. */
async function followRegistry(broker: TestBroker, registry: Registry): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'republish-sync-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const serviceAccountsFile = join(dir, 'service-accounts');
  const serviceRulesFile = join(dir, 'service.rules');
  await writeAuthFile(serviceAccountsFile, await readAuthFile(broker.authFile));
  await writeFile(serviceRulesFile, await readFile(broker.rulesFile, 'utf8'));
  const sync = await startAuthSync(
    { databaseUrl: testSettings().databaseUrl, databaseSchema: registry.schema, authFile: broker.authFile, serviceAccountsFile, rulesFile: broker.rulesFile, serviceRulesFile, settle: '50ms' },
    componentLogger('broker-auth-sync-test'),
  );
  onCleanup(() => sync.stop());
}

export async function startRepublisher(options: MqttRepublisherOptions): Promise<RunningComponent> {
  const running = await start(options, componentLogger('mqtt-republisher-test'));
  onCleanup(() => running.stop());
  await eventually(() => (running.ready() ? true : undefined), 'the republisher to join its group and connect', 30_000);
  return running;
}

/** Connects once the broker admits the account (an account just made in the registry takes the sync's pass and the broker's load). */
export function connectWhenAdmitted(url: string, account: Account | undefined, options: IClientOptions = {}): Promise<MqttClient> {
  return eventually(() => connectClient(url, { ...account, ...options }).catch(() => undefined), `${account?.username ?? 'an anonymous client'} admitted by ${url}`, 15_000);
}

/** What new subscriptions to `topics` are given retained, by topic, as JSON (an empty payload as null); refused subscriptions throw. */
export async function retainedOn(client: MqttClient, topics: string[]): Promise<Map<string, unknown>> {
  const received = new Map<string, unknown>();
  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    if (packet.retain && topics.includes(topic)) received.set(topic, payload.length === 0 ? null : JSON.parse(payload.toString('utf8')));
  };
  client.on('message', onMessage);
  try {
    const granted = await client.subscribeAsync(topics, { qos: 1 });
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) throw new Error(`subscription refused: ${refused.map((g) => `${g.topic} 0x${g.qos.toString(16)}`).join(', ')}`);
    // Mosquitto queues a SUBSCRIBE's retained messages, in the order of its filters, before what it answers next: by the UNSUBACK they are here
    await client.unsubscribeAsync(topics);
    return received;
  } finally {
    client.off('message', onMessage);
  }
}

/** The message retained on `topic` for a new subscriber of `account` (none: anonymous), once `check` accepts it. */
export async function eventuallyRetained<T>(url: string, account: Account | undefined, topic: string, check: (payload: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const client = await connectWhenAdmitted(url, account);
  try {
    return await eventually(async () => {
      const payload = (await retainedOn(client, [topic])).get(topic) as T | undefined;
      return payload !== undefined && check(payload) ? payload : undefined;
    }, what, timeoutMs, 100);
  } finally {
    await client.endAsync(true);
  }
}

export function finalRollup(path: string, windowStart: number, revision: number, overrides: Partial<Rollup> = {}): Rollup {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return {
    path, tenant, site, device, metric, kind: 'non_additive', resolution: '1m', windowStart, windowEnd: windowStart + 60_000,
    count: 6, sum: 60 + revision, min: 9, max: 11, first: 10, firstTime: windowStart, last: 10, lastTime: windowStart + 50_000, delta: null, resets: 0,
    final: true, revision, computedAt: windowStart + 61_000, ...overrides,
  };
}

export function alertEvent(path: string, ruleId: string, to: AlertEvent['to'], transition: AlertEvent['transition'], emittedAt: number, overrides: Partial<AlertEvent> = {}): AlertEvent {
  const tenant = path.split('/')[1] ?? '';
  return {
    alarmId: 'alarm-1', tenant, ruleId, path, transition, from: 'normal', to, severity: to === 'firing' ? 'critical' : null, previousSeverity: null,
    value: 93.5, reads: '1m mean', eventTime: emittedAt - 500, episodeStart: emittedAt - 60_000, labels: { team: 'ops' }, emittedAt, ...overrides,
  };
}
