import type { RunningComponent } from '../../lib/component';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import { componentLogger, type Logger } from '../../lib/logger';
import { mqttConnection } from '../../lib/mqtt-security';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { stopWithin } from '../../lib/stop-within';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { parseDeviceTopicRoot } from '../../schemas/device-topics';
import { createRegistryClient } from '../../schemas/registry-client';
import type { DownlinkMessage } from '../../schemas/types';
import { startBatchConsumer } from '../../sink-kit/batch-consumer';
import { createDeadLetterWriter } from '../../sink-kit/dead-letter-writer';
import { sendRejected } from '../../sink-kit/decode-batch';
import { batchPublisher } from './batch-publisher';
import { createDownlinkMetrics } from './downlink-metrics';
import { KeyedSequence } from './keyed-sequence';
import { MqttPublisher } from './mqtt-publisher';
import { parseMqttDownlinkOptions } from './options';

/** How long `stop` lets the batches under way finish before it gives them up (they are published again from the committed offsets). */
const stopGraceMs = 5000;

/**
 * The MQTT downlink: consumes DownlinkMessage records (fleet.downlink.v1,
 * keyed by device) in a consumer group and publishes each to its device's
 * `{base}/<subtopic>` with its QoS and retain flag, as an MQTT 5 client with
 * its own broker account. Offsets are committed only once the broker
 * acknowledged what came before them; an expired message is not published;
 * bad records go to the dead-letter topic.
 */
export function start(input: unknown, logger: Logger = componentLogger('mqtt-downlink')): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: unknown, logger: Logger, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseMqttDownlinkOptions(input);
  const mqtt = mqttConnection(options);
  const root = parseDeviceTopicRoot(options.deviceTopicRoot);
  const metrics = createDownlinkMetrics();
  const stopping = new AbortController();

  const publisher = new MqttPublisher({
    url: mqtt.url,
    security: mqtt.security,
    clientIdPrefix: options.clientIdPrefix,
    connections: options.connections,
    logger,
    onConnectionChange: (connected) => metrics.connected.set(connected),
  });
  opened.add('mqtt publisher', () => publisher.stop());
  publisher.start();

  const registry = createRegistryClient(options);
  const codec = new AvroCodec<DownlinkMessage>(registry, valueSubject(options.downlinkTopic), avroSchemas.DownlinkMessage);
  const kafka = createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-mqtt-downlink', logger });
  const producer = kafka.producer({ ...producerDefaults });
  opened.add('kafka producer', () => producer.disconnect());
  await producer.connect();
  const deadLetters = await createDeadLetterWriter({ producer, registry, topic: options.deadLetterTopic, source: 'mqtt-downlink' });

  const publish = batchPublisher({
    codec,
    root,
    maxPayloadBytes: options.maxPayloadBytes,
    publisher,
    sequence: new KeyedSequence(options.maxInFlight),
    metrics,
    logger,
    stopping: stopping.signal,
    now: Date.now,
    heartbeatInterval: 1000,
  });
  const consumer = await startBatchConsumer({
    ...options, // the consumer loop's options (sink-kit/sink-options.ts)
    kafka,
    topics: [options.downlinkTopic],
    logger,
    metrics,
    write: async (batch, context) => sendRejected(await publish(batch, context), deadLetters, metrics),
  });
  // the batches under way finish if the broker answers; else they are given up, uncommitted
  opened.add('kafka consumer', () => stopWithin(() => consumer.stop(), stopping, stopGraceMs));
  logger.info({ event: 'mqtt_downlink_started', downlinkTopic: options.downlinkTopic, deviceTopicRoot: options.deviceTopicRoot, connections: options.connections }, 'mqtt-downlink started');

  return {
    metrics: metrics.registry,
    // a broker outage shows here: messages wait for it
    ready: () => consumer.ready() && publisher.connected === options.connections,
    readiness: () => ({ mqttConnected: publisher.connected, mqttConnections: options.connections, ...consumer.readiness() }),
    failed: consumer.failed,
    stop: () => opened.close(),
  };
}
