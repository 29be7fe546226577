/**
 * Fresh topics, a migrated schema with automations applied, producers of
 * the event inputs, and a reader of the handler requests, for automations
 * processors under test.
 */
import type { Kafka } from 'kafkajs';
import { createTopicsAndWait } from '../../lib/create-topics';
import { producerDefaults } from '../../lib/kafka';
import { componentLogger, type Logger } from '../../lib/logger';
import { freshRegistry } from '../../registry/registry.fixture';
import type { Registry } from '../../registry/registry-connection';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { parseAutomationDocument } from '../../schemas/automation';
import { createRegistryClient } from '../../schemas/registry-client';
import { parseSeriesPath } from '../../schemas/series-path';
import type { HandlerRequest, Measurement } from '../../schemas/types';
import { cleanupTopics, freshTopic, onCleanup, stoppedAfterTests, testKafka, testSettings, uniqueName } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { applyAutomationDocuments } from './automation-store';
import { start } from './index';
import type { AutomationsOptions } from './options';

export type AutomationsFixture = AutomationsOptions & Required<Pick<AutomationsOptions, 'measurementsTopic' | 'handlerRequestsTopic' | 'deadLetterTopic' | 'groupId' | 'databaseSchema'>> & { registry: Registry };

/** Options of processors on fresh topics (`partitions` each), with `document` (YAML) applied; `events: false` unless asked (the scheduler alone). */
export async function automationsFixture(document: string, { partitions = 1, events = false } = {}): Promise<AutomationsFixture> {
  const settings = testSettings();
  const registry = await freshRegistry();
  await applyAutomationDocuments(registry.pool, registry.schema, [{ source: 'automations.yaml', document: parseAutomationDocument(document, 'automations.yaml') }]);
  const rollupTopicTemplate = `${uniqueName('test.rollups')}.{resolution}`;
  const topic = (prefix: string) => freshTopic({ prefix, partitions });
  const options: AutomationsFixture = {
    registry,
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    dataSchema: registry.schema,
    measurementsTopic: await topic('test.measurements'),
    handlerRequestsTopic: await topic('test.handler-requests'),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    groupId: uniqueName('test-automations'),
    events,
    history: events,
    leaderPollInterval: '200ms',
    schedulerTick: '100ms',
    automationsRefreshInterval: '1s',
  };
  if (events) {
    const rollups1m = rollupTopicTemplate.replace('{resolution}', '1m');
    const admin = testKafka().admin();
    await admin.connect();
    await createTopicsAndWait(admin, [{ topic: rollups1m, numPartitions: partitions }]);
    await admin.disconnect();
    cleanupTopics([rollups1m, `${options.groupId}.state`]);
    Object.assign(options, {
      resolutions: ['1m'],
      rollupTopicTemplate,
      alertsTopic: await topic('test.alerts'),
      commandStatusTopic: await topic('test.command-status'),
      deviceMessagesTopic: await topic('test.device-messages'),
    });
  }
  return options;
}

export async function startAutomations(fixture: AutomationsFixture, extra: Partial<AutomationsOptions> & { instanceId: string; now?: () => number; kafka?: Kafka; logger?: Logger }) {
  const options: Partial<AutomationsFixture> = { ...fixture };
  delete options.registry;
  const running = await start({ ...(options as AutomationsOptions), logger: componentLogger(`automations-test-${extra.instanceId}`), ...extra });
  return stoppedAfterTests(running);
}

export function requestReader(fixture: AutomationsFixture): Promise<TopicReader<HandlerRequest>> {
  return TopicReader.start<HandlerRequest>(fixture.handlerRequestsTopic);
}

/** Produces readings as the mqtt-source does: Measurements keyed by path. */
export async function readingProducer(fixture: AutomationsFixture) {
  const codec = new AvroCodec<Measurement>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(fixture.measurementsTopic), avroSchemas.Measurement);
  await codec.register();
  const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return {
    send: async (readings: { path: string; time: number; value: number }[]) => {
      await producer.send({
        topic: fixture.measurementsTopic,
        acks: -1,
        messages: readings.map((r) => {
          const s = parseSeriesPath(r.path)!;
          const value: Measurement = { path: r.path, tenant: s.tenant, site: s.site, device: s.device, metric: s.metric, kind: 'non_additive', timestamp: r.time, value: r.value, unit: null, tags: {}, receivedAt: r.time, sourceTopic: null };
          return { key: r.path, value: codec.encode(value) };
        }),
      });
    },
    sendRaw: async (key: string, value: Buffer) => void (await producer.send({ topic: fixture.measurementsTopic, acks: -1, messages: [{ key, value }] })),
  };
}
