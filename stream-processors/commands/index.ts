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
import { topicNames } from '../../schemas/topics';
import type { CommandRequest, CommandStatus, DeadLetter, DeviceMessage, DownlinkMessage } from '../../schemas/types';
import { CommandRecords } from './command-records';
import { createCommandsMetrics } from './commands-metrics';
import { CommandsProcessor } from './commands-processor';
import { commandsOptionsSchema, type CommandsOptions } from './options';

/**
 * The commands processor: the one writer of each device's commands, from the
 * API's requests and the devices' presence, acks and answers, to the status
 * topic the API replicas read and the downlink the mqtt-downlink publishes.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: CommandsInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type CommandsInput = CommandsOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: CommandsInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(commandsOptionsSchema, rest, 'commands options');
  const registry = createMetricsRegistry('commands');
  const metrics = createCommandsMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-commands-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');

  const statusCodec = new AvroCodec<CommandStatus>(registryClient, valueSubject(options.commandStatusTopic), avroSchemas.CommandStatus);
  const downlinkCodec = new AvroCodec<DownlinkMessage>(registryClient, valueSubject(options.downlinkTopic), avroSchemas.DownlinkMessage);
  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  const requestCodec = new AvroCodec<CommandRequest>(registryClient, valueSubject(options.commandsTopic), avroSchemas.CommandRequest);
  const deviceMessageCodec = new AvroCodec<DeviceMessage>(registryClient, valueSubject(options.deviceMessagesTopic), avroSchemas.DeviceMessage);
  await retryUntilDone(() => Promise.all([statusCodec.register(), downlinkCodec.register(), deadLetterCodec.register()]), { signal: stopping.signal, onRetry });

  const processor = new CommandsProcessor({
    name: 'commands',
    commandsTopic: options.commandsTopic,
    deviceMessagesTopic: options.deviceMessagesTopic,
    changelogTopic: topicNames.commandState(options.groupId),
    groupId: options.groupId,
    transactionalId: `${options.groupId}-${options.instanceId}`,
    limits: { maxInFlight: options.maxInFlightPerDevice, maxQueued: options.maxQueuedPerDevice },
    timerIntervalMs: options.timerInterval,
    httpPresenceMs: options.httpPresence,
    restoreTimeoutMs: options.restoreTimeout,
    records: new CommandRecords({
      name: 'commands',
      commandStatusTopic: options.commandStatusTopic,
      downlinkTopic: options.downlinkTopic,
      changelogTopic: topicNames.commandState(options.groupId),
      deadLetterTopic: options.deadLetterTopic,
      statusCodec,
      downlinkCodec,
      deadLetterCodec,
      now,
    }),
    decodeRequest: (value) => requestCodec.decode(value),
    decodeDeviceMessage: (value) => deviceMessageCodec.decode(value),
    kafka,
    logger,
    metrics,
    now,
  });
  opened.add('commands processor', () => processor.stop());
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
