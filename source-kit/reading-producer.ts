/**
 * A source's way into Kafka: Measurement, DeviceMessage and DeadLetter records in the
 * Confluent Avro wire format (schemas registered at start), sent by one
 * idempotent producer in batches (record-batcher.ts). `send` resolves only
 * once Kafka acknowledged the records (acks=all), retrying until it does or
 * the source stops, so a source acknowledges nothing Kafka does not have.
 */
import type { Kafka, Message } from 'kafkajs';
import { producerDefaults } from '../lib/kafka';
import type { Logger } from '../lib/logger';
import type { OpenedResources } from '../lib/opened-resources';
import { retryUntilDone } from '../lib/retry';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deadLetterMessage, type Rejection } from '../schemas/dead-letter';
import { createRegistryClient, type RegistryConnection } from '../schemas/registry-client';
import type { DeadLetter, DeviceMessage, Measurement } from '../schemas/types';
import { deviceKey } from '../schemas/device-topics';
import { FleetstreamError } from '../lib/errors';
import type { ProducerMetrics } from './producer-metrics';
import { RecordBatcher } from './record-batcher';

export interface OutgoingRecord {
  topic: string;
  message: Message;
}

/** The registry's connection (with its credentials), the topics, how sends are batched. */
export type ReadingProducerSettings = RegistryConnection & {
  measurementsTopic: string;
  /** Where device messages go; without it the source takes none. */
  deviceMessagesTopic?: string;
  deadLetterTopic: string;
  batchMaxRecords: number;
  batchMaxBytes: number;
  batchMaxWait: number;
  compression: 'none' | 'gzip';
};

export interface ReadingProducer {
  /** The records of accepted measurements, keyed by series path. */
  measurementRecords(measurements: Measurement[]): OutgoingRecord[];
  /** The record of what a device published besides readings, keyed by device. */
  deviceMessageRecord(message: DeviceMessage): OutgoingRecord;
  /** The dead letter of a rejected message (counted by reason). */
  deadLetterRecord(rejection: Omit<Rejection, 'source'>): OutgoingRecord;
  /** Resolves once Kafka acknowledged every one of `records`. */
  send(records: OutgoingRecord[]): Promise<void>;
  /** Records handed to `send` that Kafka has not acknowledged yet: the backlog a source bounds its intake by. */
  readonly unacknowledged: number;
  /** Whether the producer is connected and its last send went through. */
  readonly healthy: boolean;
  /** Sends everything handed over so far. */
  drain(): Promise<void>;
}

/** Bytes a record takes in its batch, about: keys are ASCII paths, headers a dead letter's few short ones. */
function recordBytes({ message }: OutgoingRecord): number {
  return (message.value as Buffer).length + (typeof message.key === 'string' ? message.key.length : 0) + 64;
}

export async function startReadingProducer(input: {
  /** The component's name, the dead letters' `source`. */
  source: string;
  kafka: Kafka;
  settings: ReadingProducerSettings;
  metrics: ProducerMetrics;
  logger: Logger;
  /** Aborted when the source stops: retries end then. */
  signal: AbortSignal;
  opened: OpenedResources;
}): Promise<ReadingProducer> {
  const { source, settings, metrics, logger, signal } = input;
  const registryClient = createRegistryClient(settings);
  const measurementCodec = new AvroCodec<Measurement>(registryClient, valueSubject(settings.measurementsTopic), avroSchemas.Measurement);
  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(settings.deadLetterTopic), avroSchemas.DeadLetter);
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) =>
    logger.warn({ event: 'retrying', what, attempt, delayMs, err: error }, `${what} failed; retrying`);
  const deviceMessageCodec = settings.deviceMessagesTopic === undefined ? undefined : new AvroCodec<DeviceMessage>(registryClient, valueSubject(settings.deviceMessagesTopic), avroSchemas.DeviceMessage);
  await retryUntilDone(() => Promise.all([measurementCodec.register(), deadLetterCodec.register(), deviceMessageCodec?.register()]), { signal, onRetry: onRetry('schema registration') });

  const producer = input.kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  input.opened.add('kafka producer', () => producer.disconnect());
  let healthy = false;
  producer.on(producer.events.CONNECT, () => (healthy = true));
  producer.on(producer.events.DISCONNECT, () => (healthy = false));
  await retryUntilDone(() => producer.connect(), { signal, onRetry: onRetry('kafka connect') });

  const compression = settings.compression === 'gzip' ? 1 : 0;
  const batcher = new RecordBatcher<OutgoingRecord>({
    maxRecords: settings.batchMaxRecords,
    maxWaitMs: settings.batchMaxWait,
    bytes: { max: settings.batchMaxBytes, sizeOf: recordBytes },
    send: async (records) => {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of records) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
      const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      const timer = metrics.produceLatency.startTimer();
      await retryUntilDone(
        async () => {
          await producer.sendBatch({ topicMessages, acks: -1, compression });
          healthy = true;
        },
        {
          signal,
          onRetry: (error, attempt, delayMs) => {
            healthy = false;
            metrics.produceRetries.inc();
            onRetry('kafka send')(error, attempt, delayMs);
          },
        },
      );
      timer();
      metrics.batchRecords.observe(records.length);
    },
  });

  let unacknowledged = 0;
  return {
    measurementRecords: (measurements) =>
      measurements.map((m) => ({ topic: settings.measurementsTopic, message: { key: m.path, value: measurementCodec.encode(m) } })),
    deviceMessageRecord(message) {
      if (!deviceMessageCodec) throw new FleetstreamError('CONFIG_INVALID', `${source}: no deviceMessagesTopic, so it takes no device messages`);
      return { topic: settings.deviceMessagesTopic!, message: { key: deviceKey(message), value: deviceMessageCodec.encode(message) } };
    },
    deadLetterRecord(rejection) {
      metrics.deadLettered.inc({ reason: rejection.reason });
      logger.debug({ event: 'dead_lettered', sourceTopic: rejection.sourceTopic, reason: rejection.reason, message: rejection.message }, 'message dead-lettered');
      return { topic: settings.deadLetterTopic, message: deadLetterMessage(deadLetterCodec, { ...rejection, source }) };
    },
    async send(records) {
      unacknowledged += records.length;
      try {
        await batcher.add(records);
      } finally {
        unacknowledged -= records.length;
      }
    },
    get unacknowledged() {
      return unacknowledged;
    },
    get healthy() {
      return healthy;
    },
    drain: () => batcher.drain(),
  };
}
