import type { Message } from 'kafkajs';
import { parseOptions } from '../../lib/config';
import type { RunningComponent } from '../../lib/component';
import { createKafka, producerDefaults } from '../../lib/kafka';
import { kafkaSecurity } from '../../lib/kafka-security';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { mqttConnection } from '../../lib/mqtt-security';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deadLetterMessage } from '../../schemas/dead-letter';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DeadLetter, Measurement } from '../../schemas/types';
import { buildMeasurements } from './measurement-builder';
import { MqttIntake } from './mqtt-intake';
import { mqttSourceOptionsSchema, type MqttSourceOptions } from './options';
import { decodePayload } from './payload';
import { RecordBatcher } from './record-batcher';
import { loadSeriesCatalogue } from './series-catalogue';
import { createSourceMetrics } from './source-metrics';
import { SubscriptionWatchdog } from './subscription-watchdog';
import { parseTopicScheme } from './topic-scheme';

interface OutgoingRecord {
  topic: string;
  message: Message;
}

/** Bytes a record takes in its batch, about: keys are ASCII paths, headers a dead letter's few short ones. */
function recordBytes({ message }: OutgoingRecord): number {
  return (message.value as Buffer).length + (typeof message.key === 'string' ? message.key.length : 0) + 64;
}

/**
 * The MQTT-to-Kafka source connector: readings published by devices become
 * Avro Measurement records keyed by series path; anything else goes to the
 * dead-letter topic with its reason. A message is acknowledged to the broker
 * only after Kafka acknowledged its records.
 */
export function start(input: MqttSourceInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type MqttSourceInput = MqttSourceOptions & { logger: Logger; now?: () => number };

async function startWith(input: MqttSourceInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, ...rest } = input;
  const options = parseOptions(mqttSourceOptionsSchema, rest, 'mqtt-source options');
  const mqtt = mqttConnection(options);
  const kafkaClientSecurity = kafkaSecurity(options);
  const scheme = parseTopicScheme(options.topicScheme);
  const catalogue = loadSeriesCatalogue(options.catalogueFile);
  const limits = { maxFutureMs: options.maxFuture, minTimestamp: options.minTimestamp, defaultKind: options.defaultKind };
  const registry = createMetricsRegistry('mqtt-source');
  const metrics = createSourceMetrics(registry);
  const stopping = new AbortController();

  const registryClient = createRegistryClient(options);
  const measurementCodec = new AvroCodec<Measurement>(registryClient, valueSubject(options.measurementsTopic), avroSchemas.Measurement);
  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) =>
    logger.warn({ event: 'retrying', what, attempt, delayMs, err: error }, `${what} failed; retrying`);
  await retryUntilDone(() => Promise.all([measurementCodec.register(), deadLetterCodec.register()]), { signal: stopping.signal, onRetry: onRetry('schema registration') });

  const producer = createKafka({ brokers: options.kafkaBrokers, ...kafkaClientSecurity, clientId: options.clientIdPrefix, logger }).producer({
    ...producerDefaults,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  opened.add('kafka producer', () => producer.disconnect());
  let kafkaHealthy = false;
  producer.on(producer.events.CONNECT, () => (kafkaHealthy = true));
  producer.on(producer.events.DISCONNECT, () => (kafkaHealthy = false));
  await retryUntilDone(() => producer.connect(), { signal: stopping.signal, onRetry: onRetry('kafka connect') });

  const compression = options.compression === 'gzip' ? 1 : 0;
  const batcher = new RecordBatcher<OutgoingRecord>({
    maxRecords: options.batchMaxRecords,
    maxWaitMs: options.batchMaxWait,
    bytes: { max: options.batchMaxBytes, sizeOf: recordBytes },
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
          kafkaHealthy = true;
        },
        {
          signal: stopping.signal,
          onRetry: (error, attempt, delayMs) => {
            kafkaHealthy = false;
            metrics.produceRetries.inc();
            onRetry('kafka send')(error, attempt, delayMs);
          },
        },
      );
      timer();
      metrics.batchRecords.observe(records.length);
    },
  });

  const deadLetter = (topic: string, payload: Buffer, reason: DeadLetterReason, message: string, receivedAt: number): OutgoingRecord => {
    metrics.deadLettered.inc({ reason });
    logger.debug({ event: 'dead_lettered', topic, reason, message }, 'message dead-lettered');
    return {
      topic: options.deadLetterTopic,
      message: deadLetterMessage(deadLetterCodec, { source: 'mqtt-source', reason, message, payload, sourceTopic: topic, time: receivedAt, headers: { receivedAt: String(receivedAt) } }),
    };
  };

  /** What one MQTT message becomes: measurement records, or one dead letter. Never throws. */
  const recordsFor = (topic: string, payload: Buffer, receivedAt: number): { records: OutgoingRecord[]; readings: number } => {
    if (payload.length > options.maxPayloadBytes) {
      return { records: [deadLetter(topic, payload, 'payload_too_large', `${payload.length} bytes, more than maxPayloadBytes (${options.maxPayloadBytes})`, receivedAt)], readings: 0 };
    }
    const address = scheme.match(topic);
    if (!address) return { records: [deadLetter(topic, payload, 'topic_outside_scheme', `topic does not match ${options.topicScheme}`, receivedAt)], readings: 0 };
    const decoded = decodePayload(payload, receivedAt);
    if (!decoded.ok) return { records: [deadLetter(topic, payload, decoded.reason, decoded.message, receivedAt)], readings: 0 };
    const built = buildMeasurements(address, decoded.readings, { receivedAt, sourceTopic: topic, catalogue, limits });
    if (!built.ok) return { records: [deadLetter(topic, payload, built.reason, built.message, receivedAt)], readings: 0 };
    const records = built.measurements.map((m) => ({ topic: options.measurementsTopic, message: { key: m.path, value: measurementCodec.encode(m) } }));
    return { records, readings: records.length };
  };

  let ownReceived = 0;
  let draining = false;
  const watchdog = new SubscriptionWatchdog({ windowMs: options.stallWindow, minBrokerMessages: options.stallMinBrokerMessages });
  let stalled = false;
  const intake = new MqttIntake({
    url: mqtt.url,
    security: mqtt.security,
    subscription: `$share/${options.shareGroup}/${options.subscription ?? scheme.filter}`,
    clientIdPrefix: options.clientIdPrefix,
    connections: options.connections,
    inFlightPerConnection: options.inFlightPerConnection,
    sessionExpirySeconds: Math.floor(options.sessionExpiry / 1000),
    logger,
    onMessage: async (topic, payload, qos) => {
      // stopping: take nothing new; without a PUBACK the broker redelivers it to the next instance
      if (stopping.signal.aborted || draining) return new Promise<void>(() => undefined);
      ownReceived++;
      metrics.received.inc({ qos });
      metrics.inFlight.inc();
      try {
        const { records, readings } = recordsFor(topic, payload, now());
        await batcher.add(records);
        metrics.readings.inc(readings);
      } finally {
        metrics.inFlight.dec();
      }
    },
    onConnectionChange: (connected) => {
      metrics.connected.set(connected);
      if (connected === 0) watchdog.reset();
    },
    onBrokerReceived: (total) => {
      watchdog.observe(now(), total, ownReceived);
      const nowStalled = watchdog.health(now(), ownReceived) === 'stalled';
      if (nowStalled !== stalled) {
        stalled = nowStalled;
        metrics.stalled.set(stalled ? 1 : 0);
        if (stalled) {
          logger.error(
            { event: 'subscription_stalled', subscription: options.subscription ?? scheme.filter, windowMs: options.stallWindow },
            'the broker is receiving messages but the subscription delivers none: check the topic scheme and subscription, and the broker\'s ACLs',
          );
        } else {
          logger.info({ event: 'subscription_flowing' }, 'the subscription delivers again');
        }
      }
    },
  });
  opened.add('mqtt intake', () => intake.stop());
  intake.start();
  logger.info({ event: 'mqtt_source_started', topicScheme: options.topicScheme, connections: options.connections, measurementsTopic: options.measurementsTopic }, 'mqtt-source started');

  return {
    metrics: registry,
    ready: () => kafkaHealthy && intake.connected > 0 && !stalled,
    async stop() {
      // send what was accepted and acknowledge it, then disconnect; the rest is redelivered by the broker
      draining = true;
      await Promise.race([batcher.drain(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      stopping.abort();
      await opened.close();
    },
  };
}
