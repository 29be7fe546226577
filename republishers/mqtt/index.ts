import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import { componentLogger, type Logger } from '../../lib/logger';
import { mqttConnection } from '../../lib/mqtt-security';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { stopWithin } from '../../lib/stop-within';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import { republishTopicRoot } from '../../schemas/republish-topics';
import { topicNames } from '../../schemas/topics';
import type { AlertEvent, Rollup } from '../../schemas/types';
import { startBatchConsumer } from '../../sink-kit/batch-consumer';
import { createDeadLetterWriter } from '../../sink-kit/dead-letter-writer';
import { sendRejected } from '../../sink-kit/decode-batch';
import { batchRepublisher } from './batch-republisher';
import { MqttTarget } from './mqtt-target';
import { parseMqttRepublisherOptions, type ResolvedMqttRepublisherOptions } from './options';
import { createRepublisherMetrics, type RepublisherMetrics } from './republisher-metrics';
import { RepublishStateStore, storedPages } from './state-store';

/** How long `stop` lets the batches under way finish before it gives them up (they are published again from the committed offsets). */
const stopGraceMs = 5000;

/**
 * The MQTT republisher (issue 17, item 6): final rollups and alert states,
 * retained at QoS 1 on per-series topics under `fleet-out/<tenant>/...`
 * (schemas/republish-topics.ts) of the platform's broker, with its own
 * service account, for local HMIs and edge consumers; and optionally the same
 * on an external broker (the bridge). Offsets are committed once the
 * platform's broker acknowledged; a stale record never replaces a newer one
 * (state-store.ts); undecodable records go to the dead-letter topic.
 */
export function start(input: unknown, logger: Logger = componentLogger('mqtt-republisher')): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: unknown, logger: Logger, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseMqttRepublisherOptions(input);
  const metrics = createRepublisherMetrics();
  const stopping = new AbortController();

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.partitionsConsumedConcurrently + 2, application_name: 'fleetstream-mqtt-republisher', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const store = new RepublishStateStore(pool, options.databaseSchema);

  const broker = target(options, 'broker', store, metrics, logger);
  opened.add('mqtt broker', () => broker.stop());
  const bridge = options.bridgeUrl === undefined ? undefined : target(options, 'bridge', store, metrics, logger);
  if (bridge) opened.add('mqtt bridge', () => bridge.stop());
  broker.start();
  bridge?.start();

  const registry = createRegistryClient(options);
  const kafka = createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-mqtt-republisher', logger });
  const producer = kafka.producer({ ...producerDefaults });
  opened.add('kafka producer', () => producer.disconnect());
  await producer.connect();
  const deadLetters = await createDeadLetterWriter({ producer, registry, topic: options.deadLetterTopic, source: 'mqtt-republisher' });

  const sources = new Map<string, 'rollup' | 'alert'>(options.resolutions.map((resolution) => [options.rollupTopics[resolution] ?? topicNames.rollups(resolution), 'rollup']));
  if (options.republishAlerts) sources.set(options.alertsTopic, 'alert');
  const rollupTopic = [...sources].find(([, kind]) => kind === 'rollup')?.[0] ?? topicNames.rollups('1m');
  const republish = batchRepublisher({
    root: republishTopicRoot,
    sources,
    // read only: registered by their writers
    rollupCodec: new AvroCodec<Rollup>(registry, valueSubject(rollupTopic), avroSchemas.Rollup),
    alertCodec: new AvroCodec<AlertEvent>(registry, valueSubject(options.alertsTopic), avroSchemas.AlertEvent),
    store,
    broker,
    bridge,
    metrics,
    logger,
    stopping: stopping.signal,
    heartbeatInterval: 1000,
  });
  const consumer = await startBatchConsumer({
    ...options, // the consumer loop's options (sink-kit/sink-options.ts)
    kafka,
    topics: [...sources.keys()],
    logger,
    metrics,
    write: async (batch, context) => sendRejected(await republish(batch, context), deadLetters, metrics),
  });
  // the batches under way finish if the broker answers; else they are given up, uncommitted
  opened.add('kafka consumer', () => stopWithin(() => consumer.stop(), stopping, stopGraceMs));
  logger.info({ event: 'mqtt_republisher_started', topics: [...sources.keys()], bridge: bridge !== undefined }, 'mqtt-republisher started');

  return {
    metrics: metrics.registry,
    // the platform's broker down shows here (messages wait for it); the bridge's does not
    ready: () => consumer.ready() && broker.connected,
    readiness: () => ({ brokerConnected: broker.connected, ...(bridge && { bridgeConnected: bridge.connected }), ...consumer.readiness() }),
    failed: consumer.failed,
    stop: () => opened.close(),
  };
}

/** The platform's broker (MQTT_URL, the service account) or the bridge's (MQTT_REPUBLISHER_BRIDGE_*), restoring the stored state at each connection. */
function target(options: ResolvedMqttRepublisherOptions, name: 'broker' | 'bridge', store: RepublishStateStore, metrics: RepublisherMetrics, logger: Logger): MqttTarget {
  const bridge = name === 'bridge';
  const { url, security } = bridge
    ? mqttConnection({ mqttUrl: options.bridgeUrl!, mqttUsername: options.bridgeUsername, mqttPassword: options.bridgePassword, mqttCaFile: options.bridgeCaFile, mqttCertFile: options.bridgeCertFile, mqttKeyFile: options.bridgeKeyFile })
    : mqttConnection(options);
  const tenants = bridge && options.bridgeTenants.length > 0 ? options.bridgeTenants : undefined;
  // down until its first connection: the gauge is there from the start
  metrics.connected.set({ target: name }, 0);
  const mqttTarget: MqttTarget = new MqttTarget({
    name,
    url,
    security,
    clientId: bridge ? `${options.clientId}-bridge` : options.clientId,
    root: republishTopicRoot,
    targetRoot: bridge ? options.bridgeTopicPrefix : republishTopicRoot,
    tenants: tenants && new Set(tenants),
    maxInFlight: options.maxInFlight,
    logger,
    onConnectionChange: (connected) => metrics.connected.set({ target: name }, connected ? 1 : 0),
    onConnect: (connection) => {
      if (!options.restoreOnConnect) return;
      const started = performance.now();
      mqttTarget.restore(connection, storedPages(store, options.restorePageSize, tenants)).then(
        (sent) => {
          metrics.restored.inc({ target: name }, sent);
          logger.info({ event: 'state_restored', target: name, messages: sent, ms: Math.round(performance.now() - started) }, 'stored state published again');
        },
        (error: unknown) => logger.warn({ event: 'restore_failed', target: name, err: error }, 'publishing the stored state again failed; it is tried at the next connection'),
      );
    },
  });
  return mqttTarget;
}
