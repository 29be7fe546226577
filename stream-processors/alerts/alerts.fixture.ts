/**
 * Fresh topics, a migrated schema with rules applied, producers of readings
 * and rollups, and a reader of the alert events, for one alerts processor
 * under test.
 */
import type { Kafka } from 'kafkajs';
import { createTopicsAndWait } from '../../lib/create-topics';
import { producerDefaults } from '../../lib/kafka';
import { componentLogger, type Logger } from '../../lib/logger';
import { freshRegistry } from '../../registry/registry.fixture';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import { parseSeriesPath } from '../../schemas/series-path';
import type { AlertEvent, Measurement, Rollup } from '../../schemas/types';
import { cleanupTopics, eventually, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { parseRuleDocument } from '../../schemas/alert-rule';
import { start } from './index';
import type { AlertsOptions } from './options';
import { applyRuleDocuments } from './rule-store';

export type AlertsFixtureOptions = AlertsOptions & Required<Pick<AlertsOptions, 'measurementsTopic' | 'rollupTopicTemplate' | 'alertsTopic' | 'stateTopic' | 'deadLetterTopic' | 'groupId' | 'databaseSchema'>>;

/** Options of a processor on fresh topics (`partitions` each, the state compacted), reading 1m rollups, with `rules` (a YAML document) applied. */
export async function alertsFixture(rules: string, partitions = 3): Promise<AlertsFixtureOptions> {
  const settings = testSettings();
  const registry = await freshRegistry();
  await applyRuleDocuments(registry.pool, registry.schema, [{ source: 'rules.yaml', document: parseRuleDocument(rules, 'rules.yaml') }]);
  const rollupTopicTemplate = `${uniqueName('test.rollups')}.{resolution}`;
  const rollups1m = rollupTopicTemplate.replace('{resolution}', '1m');
  const admin = testKafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: rollups1m, numPartitions: partitions }]);
  await admin.disconnect();
  cleanupTopics([rollups1m]);
  return {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    measurementsTopic: await freshTopic({ prefix: 'test.measurements', partitions }),
    resolutions: ['1m'],
    rollupTopicTemplate,
    alertsTopic: await freshTopic({ prefix: 'test.alerts', partitions }),
    stateTopic: await freshTopic({ prefix: 'test.alert-state', partitions, config: { 'cleanup.policy': 'compact' } }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    groupId: uniqueName('test-alerts'),
    instanceId: 'a',
  };
}

export async function startAlerts(options: AlertsOptions, faults: { kafka?: Kafka; logger?: Logger } = {}) {
  const alerts = await start({ ...options, logger: componentLogger('alerts-test'), ...faults });
  onCleanup(() => alerts.stop());
  return alerts;
}

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

function seriesOf(path: string) {
  const series = parseSeriesPath(path);
  if (!series) throw new Error(`${path} is no series path`);
  return { path, tenant: series.tenant, site: series.site, device: series.device, metric: series.metric };
}

/** Produces readings as the mqtt-source does: Measurements keyed by path. */
export async function readingProducer(options: AlertsFixtureOptions) {
  const send = await producerOf<Measurement>(options.measurementsTopic, avroSchemas.Measurement);
  return (readings: { path: string; time: number; value: number }[]) =>
    send(readings.map((r) => ({ key: r.path, value: { ...seriesOf(r.path), kind: 'non_additive', timestamp: r.time, value: r.value, unit: null, tags: {}, receivedAt: r.time, sourceTopic: null } })));
}

/** Produces 1m rollups as the rollups processor does: keyed `path@windowStart`, partitioned by path. */
export async function rollupProducer(options: AlertsFixtureOptions) {
  const topic = options.rollupTopicTemplate.replace('{resolution}', '1m');
  const send = await producerOf<Rollup>(topic, avroSchemas.Rollup);
  return (rollups: { path: string; windowStart: number; max: number; final: boolean; revision: number }[]) =>
    send(
      rollups.map((r) => ({
        // keyed by path: the partition the rollups processor gives `path@windowStart` (key-partition.ts)
        key: r.path,
        value: {
          ...seriesOf(r.path),
          kind: 'non_additive',
          resolution: '1m',
          windowStart: r.windowStart,
          windowEnd: r.windowStart + 60_000,
          count: 2,
          sum: r.max,
          min: 0,
          max: r.max,
          first: 0,
          firstTime: r.windowStart,
          last: r.max,
          lastTime: r.windowStart + 30_000,
          delta: null,
          resets: 0,
          final: r.final,
          revision: r.revision,
          computedAt: Date.now(),
        },
      })),
    );
}

export function alertReader(options: AlertsFixtureOptions): Promise<TopicReader<AlertEvent>> {
  return TopicReader.start<AlertEvent>(options.alertsTopic);
}

/** A series' events as `transition:severity@seconds after t0` (value-free, for comparing). */
export function transitionsOf(reader: TopicReader<AlertEvent>, path: string, t0: number): string[] {
  return reader.records.filter((r) => r.value.path === path).map((r) => `${r.value.transition}${r.value.severity ? `:${r.value.severity}` : ''}@${(Number(r.value.eventTime) - t0) / 1000}`);
}

/** Waits until the processor's group has committed every reading produced to its measurements topic so far. */
export async function everyReadingCommitted(options: AlertsFixtureOptions, timeoutMs: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const end = (await admin.fetchTopicOffsets(options.measurementsTopic)).map((p) => [p.partition, p.high] as const);
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.measurementsTopic] });
      return end.every(([partition, high]) => committed!.partitions.find((p) => p.partition === partition)?.offset === high) ? true : undefined;
    }, 'the processor to have committed every reading', timeoutMs);
  } finally {
    await admin.disconnect();
  }
}
