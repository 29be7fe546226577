import type { Kafka } from 'kafkajs';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { createKafka, kafkaConnection } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import type { DeadLetter, DeviceMessage, DownlinkMessage, ShadowRequest, ShadowResult, ShadowState } from '../../schemas/types';
import { shadowOptionsSchema, type ShadowOptions } from './options';
import { createShadowMetrics } from './shadow-metrics';
import { ShadowProcessor } from './shadow-processor';
import { ShadowRecords } from './shadow-records';

/**
 * The shadow processor: the one writer of every device's shadow (AWS IoT's
 * device shadow, improved; see the README), answering devices over
 * fleet.downlink.v1 and the API over fleet.shadow-results.v1, with the
 * shadows in the compacted fleet.shadows.v1.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: ShadowInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type ShadowInput = ShadowOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: ShadowInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(shadowOptionsSchema, rest, 'shadow options');
  const registry = createMetricsRegistry('shadow');
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-shadow-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');

  const codec = <T>(topic: string, schema: string) => new AvroCodec<T>(registryClient, valueSubject(topic), schema);
  const codecs = {
    state: codec<ShadowState>(options.shadowsTopic, avroSchemas.ShadowState),
    downlink: codec<DownlinkMessage>(options.downlinkTopic, avroSchemas.DownlinkMessage),
    result: codec<ShadowResult>(options.resultsTopic, avroSchemas.ShadowResult),
    deadLetter: codec<DeadLetter>(options.deadLetterTopic, avroSchemas.DeadLetter),
  };
  const deviceMessages = codec<DeviceMessage>(options.deviceMessagesTopic, avroSchemas.DeviceMessage);
  const requests = codec<ShadowRequest>(options.requestsTopic, avroSchemas.ShadowRequest);
  await retryUntilDone(() => Promise.all(Object.values(codecs).map((c) => c.register())), { signal: stopping.signal, onRetry });

  const processor = new ShadowProcessor({
    kafka,
    logger,
    metrics: createShadowMetrics(registry),
    now,
    limits: { maxStateBytes: options.maxStateBytes, maxDepth: options.maxDepth, maxKeys: options.maxKeys, maxRequestBytes: options.maxRequestBytes },
    deviceMessagesTopic: options.deviceMessagesTopic,
    requestsTopic: options.requestsTopic,
    shadowsTopic: options.shadowsTopic,
    groupId: options.groupId,
    transactionalId: `${options.groupId}-${options.instanceId}`,
    restoreTimeoutMs: options.restoreTimeout,
    records: new ShadowRecords(options, codecs),
    decodeDeviceMessage: (value) => deviceMessages.decode(value),
    decodeShadowRequest: (value) => requests.decode(value),
    decodeState: (value) => codecs.state.decode(value),
  });
  opened.add('shadow processor', () => processor.stop());
  await processor.start();
  return {
    metrics: registry,
    ready: () => processor.ready,
    failed: processor.failed,
    async stop() {
      stopping.abort();
      await opened.close();
    },
  };
}
