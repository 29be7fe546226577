import { parseOptions } from '../../lib/config';
import type { RunningComponent } from '../../lib/component';
import { createKafka, kafkaConnection } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { mqttConnection } from '../../lib/mqtt-security';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import type { DeadLetterReason } from '../../schemas/dead-letter-reason';
import { KeyedRateLimit } from '../../lib/keyed-rate-limit';
import { deviceKey, deviceUplinkSubtopicFilters, parseDeviceTopicRoot, type DeviceMessageKind } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import { DeviceSeriesLimit } from '../../source-kit/device-series-limit';
import { measurementsFromPayload } from '../../source-kit/measurement-builder';
import { startReadingProducer, type OutgoingRecord } from '../../source-kit/reading-producer';
import { loadSeriesCatalogue } from '../../source-kit/series-catalogue';
import { measurementLimits, tenantRateLimit } from '../../source-kit/source-options';
import { MqttIntake } from './mqtt-intake';
import { mqttSourceOptionsSchema, type MqttSourceOptions } from './options';
import { createSourceMetrics } from './source-metrics';
import { SubscriptionWatchdog } from './subscription-watchdog';
import { routeTopic } from './topic-route';
import { parseTopicScheme } from './topic-scheme';

/**
 * The MQTT-to-Kafka source connector: readings published by devices become
 * Avro Measurement records keyed by series path, what devices publish on the
 * subtopics they talk back on (schemas/device-topics.ts) DeviceMessage
 * records keyed by device; anything else goes to the dead-letter topic with
 * its reason. A message is acknowledged to the broker only after Kafka
 * acknowledged its records.
 */
export function start(input: MqttSourceInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type MqttSourceInput = MqttSourceOptions & { logger: Logger; now?: () => number };

async function startWith(input: MqttSourceInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, ...rest } = input;
  const options = parseOptions(mqttSourceOptionsSchema, rest, 'mqtt-source options');
  const mqtt = mqttConnection(options);
  const kafkaClient = kafkaConnection(options);
  const scheme = parseTopicScheme(options.topicScheme);
  const deviceRoot = parseDeviceTopicRoot(options.deviceTopicRoot);
  const subscriptions = options.subscription !== undefined ? [options.subscription] : [scheme.filter, ...deviceUplinkSubtopicFilters.map((subtopic) => deviceRoot.filter(subtopic))];
  const catalogue = loadSeriesCatalogue(options.catalogueFile);
  const limits = measurementLimits(options);
  const rateLimit = new KeyedRateLimit({ rate: options.deviceRate, burst: options.deviceBurst, clock: now });
  const tenantLimit = tenantRateLimit(options, now);
  const seriesLimit = new DeviceSeriesLimit(options.maxSeriesPerDevice);
  const registry = createMetricsRegistry('mqtt-source');
  const metrics = createSourceMetrics(registry);
  const stopping = new AbortController();
  const producer = await startReadingProducer({
    source: 'mqtt-source',
    kafka: createKafka({ ...kafkaClient, clientId: options.clientIdPrefix, logger }),
    settings: options,
    metrics,
    logger,
    signal: stopping.signal,
    opened,
  });

  const deadLetter = (topic: string, payload: Buffer, reason: DeadLetterReason, message: string, receivedAt: number): OutgoingRecord =>
    producer.deadLetterRecord({ reason, message, payload, sourceTopic: topic, time: receivedAt, headers: { receivedAt: String(receivedAt) } });

  type Outcome = { records: OutgoingRecord[]; readings: number; deviceMessage?: DeviceMessageKind };
  const rejected = (topic: string, payload: Buffer, reason: DeadLetterReason, message: string, receivedAt: number): Outcome => ({ records: [deadLetter(topic, payload, reason, message, receivedAt)], readings: 0 });
  const tooLarge = (topic: string, payload: Buffer, limit: 'maxPayloadBytes' | 'maxDeviceMessageBytes', receivedAt: number): Outcome | undefined =>
    payload.length > options[limit] ? rejected(topic, payload, 'payload_too_large', `${payload.length} bytes, more than ${limit} (${options[limit]})`, receivedAt) : undefined;
  /** A device's message over its rate, or its tenant's, dead-lettered: one chatty device (or tenant) costs others nothing. */
  const overRate = (topic: string, payload: Buffer, device: DeviceAddress, receivedAt: number): Outcome | undefined => {
    if (!rateLimit.take(deviceKey(device)).allowed) {
      return rejected(topic, payload, 'rate_limited', `device ${deviceKey(device)} sent more than deviceRate (${options.deviceRate}/s) with deviceBurst (${options.deviceBurst}) allows`, receivedAt);
    }
    if (tenantLimit && !tenantLimit.take(device.tenant).allowed) {
      return rejected(topic, payload, 'tenant_rate_limited', `tenant ${device.tenant}'s devices sent more than tenantRate (${options.tenantRate}/s) with tenantBurst (${options.tenantBurst}) allows`, receivedAt);
    }
    return undefined;
  };

  /** What one MQTT message becomes: measurement records, a device message, or one dead letter. Never throws. */
  const recordsFor = (topic: string, payload: Buffer, receivedAt: number): Outcome => {
    const route = routeTopic(topic, scheme, deviceRoot);
    if (route.kind === 'device_message') {
      const { device, subtopic, message } = route;
      const refused = tooLarge(topic, payload, 'maxDeviceMessageBytes', receivedAt) ?? overRate(topic, payload, device, receivedAt);
      if (refused) return refused;
      const record = producer.deviceMessageRecord({ ...device, kind: message.kind, subtopic, payload, receivedAt, transport: 'mqtt', sourceTopic: topic });
      return { records: [record], readings: 0, deviceMessage: message.kind };
    }
    const refused = tooLarge(topic, payload, 'maxPayloadBytes', receivedAt);
    if (refused) return refused;
    if (route.kind === 'unknown_subtopic') return rejected(topic, payload, 'unknown_subtopic', `"${route.subtopic}" under the device topic root ${options.deviceTopicRoot} is no subtopic devices publish on`, receivedAt);
    if (route.kind === 'outside') return rejected(topic, payload, 'topic_outside_scheme', `topic does not match ${options.topicScheme}`, receivedAt);
    const { address } = route;
    const limited = overRate(topic, payload, address, receivedAt);
    if (limited) return limited;
    const built = seriesLimit.admit(measurementsFromPayload(address, payload, { receivedAt, sourceTopic: topic, catalogue, limits }));
    if (!built.ok) return rejected(topic, payload, built.reason, built.message, receivedAt);
    const records = producer.measurementRecords(built.measurements);
    return { records, readings: records.length };
  };

  let ownReceived = 0;
  let draining = false;
  const watchdog = new SubscriptionWatchdog({ windowMs: options.stallWindow, minBrokerMessages: options.stallMinBrokerMessages });
  let stalled = false;
  const intake = new MqttIntake({
    url: mqtt.url,
    security: mqtt.security,
    subscriptions: subscriptions.map((filter) => `$share/${options.shareGroup}/${filter}`),
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
        const { records, readings, deviceMessage } = recordsFor(topic, payload, now());
        await producer.send(records);
        metrics.readings.inc(readings);
        if (deviceMessage) metrics.deviceMessages.inc({ kind: deviceMessage });
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
            { event: 'subscription_stalled', subscriptions, windowMs: options.stallWindow },
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
  logger.info(
    { event: 'mqtt_source_started', topicScheme: options.topicScheme, deviceTopicRoot: options.deviceTopicRoot, connections: options.connections, measurementsTopic: options.measurementsTopic, deviceMessagesTopic: options.deviceMessagesTopic },
    'mqtt-source started',
  );

  return {
    metrics: registry,
    ready: () => producer.healthy && intake.connected > 0 && !stalled,
    async stop() {
      // send what was accepted and acknowledge it, then disconnect; the rest is redelivered by the broker
      draining = true;
      await Promise.race([producer.drain(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      stopping.abort();
      await opened.close();
    },
  };
}
