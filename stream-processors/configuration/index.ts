import type { Kafka, KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { FleetstreamError } from '../../lib/errors';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deadLetterMessage } from '../../schemas/dead-letter';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import { configurationTableNames } from '../../schemas/tables';
import type { ConfigAssignment, DeadLetter, DeviceMessage, DownlinkMessage } from '../../schemas/types';
import { assignmentInput, deviceMessageInput, type DecodedRecord } from './configuration-inputs';
import { startConfigurationConsumer } from './configuration-consumer';
import { createConfigurationMetrics } from './configuration-metrics';
import { DeliveryLoop } from './delivery-loop';
import { DeviceStateStore, type DeviceChange } from './device-state-store';
import { configurationOptionsSchema, type ConfigurationOptions } from './options';

/**
 * The configuration processor (issue 16, item 3): the one writer of each
 * device's configuration state. It reads the devices' new desired
 * configuration (from the API) and their acknowledgements and presence,
 * keeps each device's state in PostgreSQL with the offsets it consumed, and
 * publishes the retained `config` through the downlink topic until the device
 * answers or its deadline passes.
 *
 * Why PostgreSQL and not a compacted topic: the API reads this state (a
 * device's, and counts per state for a rollout) joined with the registry's
 * documents and assignments, which live there; a changelog would need a
 * second copy in a table for that. The offsets stored with it make the
 * writes exactly-once without Kafka transactions (device-state-store.ts).
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: ConfigurationInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type ConfigurationInput = ConfigurationOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: ConfigurationInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(configurationOptionsSchema, rest, 'configuration options');
  const registry = createMetricsRegistry('configuration');
  const metrics = createConfigurationMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-configuration', logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  opened.add('retries', () => stopping.abort());

  const downlinkCodec = new AvroCodec<DownlinkMessage>(registryClient, valueSubject(options.downlinkTopic), avroSchemas.DownlinkMessage);
  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  // read only: registered by their writers (the API, the sources)
  const assignmentCodec = new AvroCodec<ConfigAssignment>(registryClient, valueSubject(options.assignmentsTopic), avroSchemas.ConfigAssignment);
  const messageCodec = new AvroCodec<DeviceMessage>(registryClient, valueSubject(options.deviceMessagesTopic), avroSchemas.DeviceMessage);
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');
  await retryUntilDone(() => Promise.all([downlinkCodec.register(), deadLetterCodec.register()]), { signal: stopping.signal, onRetry });

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-configuration', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());

  const producer = kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  opened.add('producer', () => producer.disconnect());
  await producer.connect();
  await checkCopartitioned(kafka, [options.assignmentsTopic, options.deviceMessagesTopic]);

  const policy = { initialMs: options.redeliveryInitial, maxMs: options.redeliveryMax };
  const store = new DeviceStateStore(pool, options.databaseSchema, options.groupId, policy);
  const counted = (changes: DeviceChange[]) => {
    for (const change of changes) metrics.stateChanges.inc({ state: change.to });
  };
  let fail!: (error: Error) => void;
  const deliveryFailed = new Promise<Error>((resolve) => (fail = resolve));
  const deliveries = new DeliveryLoop({
    store,
    tables: configurationTableNames(options.databaseSchema),
    producer,
    downlinkCodec,
    downlinkTopic: options.downlinkTopic,
    scanIntervalMs: options.scanInterval,
    batchSize: options.deliveryBatchSize,
    now,
    logger,
    metrics,
    onChanges: counted,
    onFailure: fail,
  });
  opened.add('delivery loop', () => deliveries.stop());

  const decode = async (topic: string, message: KafkaMessage): Promise<DecodedRecord> => {
    const decoded = await decodeRecord(topic === options.assignmentsTopic ? 'assignment' : 'message', message, assignmentCodec, messageCodec);
    metrics.records.inc({ kind: decoded.kind === 'input' ? decoded.of : decoded.kind === 'skipped' ? decoded.what : decoded.reason });
    return decoded;
  };
  const apply = async (topic: string, partition: number, records: Parameters<DeviceStateStore['applyBatch']>[2]) => {
    const outcome = await store.applyBatch(topic, partition, records, now(), async (rejected) => {
      if (rejected.length === 0) return;
      const messages = rejected.map(({ decoded, offset, value }) =>
        deadLetterMessage(deadLetterCodec, {
          source: 'configuration',
          reason: decoded.reason,
          message: decoded.message,
          payload: decoded.payload ?? value,
          sourceTopic: topic,
          headers: { partition: String(partition), offset },
          time: now(),
        }),
      );
      await producer.send({ topic: options.deadLetterTopic, acks: -1, messages });
    });
    counted(outcome.changes);
    for (const reason of outcome.ignored) metrics.ignored.inc({ reason });
    for (const { decoded } of outcome.rejected) metrics.deadLettered.inc({ reason: decoded.reason });
    // new assignments and devices back online are published at once, not at the next interval
    if (outcome.applied > 0) deliveries.wake();
  };
  const consumer = await startConfigurationConsumer({
    kafka,
    groupId: options.groupId,
    topics: [options.assignmentsTopic, options.deviceMessagesTopic],
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    logger,
    metrics,
    decode,
    apply,
    onOwned: (partitions) => deliveries.setOwned(partitions),
  });
  opened.add('consumer', () => consumer.stop());
  deliveries.start();
  logger.info({ event: 'configuration_started', groupId: options.groupId }, 'configuration processor started');
  return {
    metrics: registry,
    ready: () => consumer.ready(),
    failed: Promise.race([consumer.failed, deliveryFailed]),
    async stop() {
      await opened.close();
    },
  };
}

/** A record's meaning; an undecodable one is dead-lettered, while a registry that cannot be asked now throws, to be retried. */
async function decodeRecord(from: 'assignment' | 'message', message: KafkaMessage, assignments: AvroCodec<ConfigAssignment>, messages: AvroCodec<DeviceMessage>): Promise<DecodedRecord> {
  try {
    const value = message.value ?? Buffer.alloc(0);
    return from === 'assignment' ? assignmentInput(await assignments.decode(value)) : deviceMessageInput(await messages.decode(value));
  } catch (error) {
    if ((error as { retriable?: boolean }).retriable === true) throw error;
    return { kind: 'rejected', reason: 'undecodable', message: (error as Error).message };
  }
}

/** Partition p of every input must hold the same devices: as many partitions in each (keys are hashed alike). */
async function checkCopartitioned(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    const counts = metadata.map((t) => `${t.name}: ${t.partitions.length}`);
    if (new Set(metadata.map((t) => t.partitions.length)).size > 1) {
      throw new FleetstreamError('CONFIG_INVALID', `the configuration processor's inputs must have as many partitions each, so that one member owns all of a device (${counts.join(', ')}); \`fleetstream topics apply --partitions N\` gives them the same`);
    }
  } finally {
    await admin.disconnect();
  }
}
