/** Fresh topics and groups for one rollup processor under test, and a producer of measurements. */
import type { Kafka, Producer } from 'kafkajs';
import { componentLogger } from '../../lib/logger';
import { producerDefaults } from '../../lib/kafka';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import { topicNames } from '../../schemas/topics';
import type { Measurement, Rollup } from '../../schemas/types';
import { TopicReader } from '../../test/topic-reader';
import { cleanupTopics, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { start } from './index';
import type { RollupsOptions } from './options';
import { createTopicsAndWait } from '../../lib/create-topics';

export interface RollupsFixture {
  options: Omit<RollupsOptions, 'resolutions'> & { measurementsTopic: string; deadLetterTopic: string; rollupTopicTemplate: string; resolutions: string[] };
  rollupTopic(resolution: string): string;
}

export async function rollupsFixture(overrides: Partial<RollupsOptions> & { resolutions?: string[] } = {}, partitions = 3): Promise<RollupsFixture> {
  const settings = testSettings();
  const id = uniqueName('test.rollups');
  // `resolutions` overridden (as a list): the fixture makes their topics
  const resolutions = (overrides.resolutions as string[] | undefined) ?? ['1m', '1h', '1d'];
  const rollupTopic = (r: string) => `${id}.${r}`;
  // freshTopic opens the file's shared admin and registers its disconnect: first, so that it runs after the cleanups below
  const measurementsTopic = await freshTopic({ prefix: 'test.measurements', partitions });
  const deadLetterTopic = await freshTopic({ prefix: 'test.deadletter' });
  for (const r of resolutions) await freshTopicNamed(rollupTopic(r), partitions);
  const groupIdPrefix = `${id}-group`;
  cleanupTopics([...resolutions.map((r) => topicNames.rollupState(r, groupIdPrefix)), topicNames.rollupInvalidations(groupIdPrefix)]);
  return {
    options: <RollupsFixture['options']>{
      kafkaBrokers: settings.kafkaBrokers,
      schemaRegistryUrl: settings.schemaRegistryUrl,
      resolutions,
      measurementsTopic,
      deadLetterTopic,
      rollupTopicTemplate: `${id}.{resolution}`,
      groupIdPrefix,
      instanceId: 'a',
      provisionalInterval: '500ms',
      // tests replay fixed dates from months ago: every reading of theirs is within the horizon
      correctionHorizon: '3650d',
      ...overrides,
    },
    rollupTopic,
  };
}

async function freshTopicNamed(name: string, partitions: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: name, numPartitions: partitions }]);
  await admin.disconnect();
  cleanupTopics([name]);
}

/** `faults`: clients to use instead of those made from the options (to put faults in them). */
export async function startRollups(options: RollupsOptions, faults: { kafka?: Kafka; registryClient?: RegistryClient } = {}) {
  const rollups = await start({ ...options, logger: componentLogger('rollups-test'), ...faults });
  onCleanup(() => rollups.stop());
  return rollups;
}

/**
 * Produces Measurement records as the source connector would (keyed by path).
 * `kafkaTimestamp`: each record's Kafka timestamp, instead of the producer's clock (a stage behind its input reads such records).
 */
export async function measurementProducer(topic: string): Promise<{ send(measurements: Measurement[], kafkaTimestamp?: (m: Measurement) => number): Promise<void>; producer: Producer }> {
  const codec = new AvroCodec<Measurement>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(topic), avroSchemas.Measurement);
  await codec.register();
  const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return {
    producer,
    send: async (measurements, kafkaTimestamp) => {
      const messages = measurements.map((m) => ({ key: m.path, value: codec.encode(m), ...(kafkaTimestamp ? { timestamp: String(kafkaTimestamp(m)) } : {}) }));
      await producer.send({ topic, acks: -1, messages });
    },
  };
}

export function reading(path: string, kind: Measurement['kind'], timestamp: number, value: number): Measurement {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return { path, tenant, site, device, metric, kind, timestamp, value, unit: null, tags: {}, receivedAt: timestamp, sourceTopic: null };
}

export { uniqueName };

/** Readers of the fixture's three rollup topics, from the beginning. */
export async function rollupReaders(fixture: RollupsFixture): Promise<Record<'1m' | '1h' | '1d', TopicReader<Rollup>>> {
  return {
    '1m': await TopicReader.start<Rollup>(fixture.rollupTopic('1m')),
    '1h': await TopicReader.start<Rollup>(fixture.rollupTopic('1h')),
    '1d': await TopicReader.start<Rollup>(fixture.rollupTopic('1d')),
  };
}
