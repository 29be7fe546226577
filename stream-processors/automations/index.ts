import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { createTopicIfMissing, partitionCount } from '../../lib/processor-topics';
import { retryUntilDone } from '../../lib/retry';
import { AdvisoryLeadership } from '../../lib/advisory-leadership';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import type { AlertEvent, CommandStatus, DeadLetter, DeviceMessage, HandlerRequest, Measurement, Rollup } from '../../schemas/types';
import { alertEvent, commandAnswerEvent, EventBook, presenceEvent, readingEvent, rollupEvent, type AutomationEvent } from './automation-events';
import { loadAutomations, type LoadedAutomations } from './automation-store';
import { createAutomationsMetrics, type AutomationsMetrics } from './automations-metrics';
import { EventProcessor, type EventInput } from './event-processor';
import { latestValuesFrom } from './latest-values';
import { automationsOptionsSchema, type AutomationsOptions } from './options';
import { RunHistory } from './run-history';
import { RunRecords } from './run-records';
import { AutomationScheduler } from './scheduler';

/**
 * The automations processor (issue 17, item 2): the automations `fleetstream
 * automations apply` and the admin API stored in PostgreSQL; schedules fired
 * by one leader at a time, recorded before dispatch; events read from Kafka,
 * their dampening in a changelog committed with the handler requests.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: AutomationsInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type AutomationsInput = AutomationsOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: AutomationsInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(automationsOptionsSchema, rest, 'automations options');
  const registry = createMetricsRegistry('automations');
  const metrics = createAutomationsMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-automations-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what, attempt, delayMs, err: error }, 'retrying');

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-automations', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const read = () => loadAutomations(pool, options.databaseSchema).then((loaded) => inForce(loaded, logger, metrics));
  const loaded = await retryUntilDone(read, { signal: stopping.signal, onRetry: onRetry('reading the automations') });

  const codec = <T>(topic: string, schema: string) => new AvroCodec<T>(registryClient, valueSubject(topic), schema);
  const codecs = { request: codec<HandlerRequest>(options.handlerRequestsTopic, avroSchemas.HandlerRequest), deadLetter: codec<DeadLetter>(options.deadLetterTopic, avroSchemas.DeadLetter) };
  await retryUntilDone(() => Promise.all(Object.values(codecs).map((c) => c.register())), { signal: stopping.signal, onRetry: onRetry('schema registration') });
  const latest = latestValuesFrom(pool, options.dataSchema);

  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  opened.add('request producer', () => producer.disconnect());
  const dispatch = async (requests: HandlerRequest[]) => {
    await producer.send({ topic: options.handlerRequestsTopic, acks: -1, messages: requests.map((r) => ({ key: r.executionId, value: codecs.request.encode(r) })) });
    metrics.requests.inc(requests.length);
  };

  const scheduler = new AutomationScheduler({
    records: new RunRecords(pool, options.databaseSchema),
    latest,
    dispatch,
    logger,
    metrics,
    now,
    tickIntervalMs: options.schedulerTick,
    graceMs: options.missedAfter,
    lookbackMs: options.missedLookback,
  });
  scheduler.setAutomations(loaded.automations);
  if (options.scheduler) {
    const leadership = new AdvisoryLeadership({
      applicationName: 'fleetstream-automations-leader',
      connectionString: options.databaseUrl,
      lockName: `fleetstream.automations.scheduler.${options.databaseSchema}`,
      pollIntervalMs: options.leaderPollInterval,
      logger,
      onChange: (leader) => scheduler.setLeader(leader),
    });
    opened.add('scheduler leadership', () => leadership.stop());
    opened.add('scheduler', () => scheduler.stop());
    scheduler.start();
    leadership.start();
  }

  let processor: EventProcessor | undefined;
  if (options.events) processor = await startEvents(kafka, options, { logger, metrics, now, codecs, latest, book: new EventBook(loaded.automations), registryClient }, opened);

  let historyFailed: Promise<Error> = new Promise<Error>(() => undefined);
  if (options.history) {
    let failHistory: (error: Error) => void = () => undefined;
    historyFailed = new Promise((resolve) => (failHistory = resolve));
    const history = new RunHistory({
      kafka,
      pool,
      schema: options.databaseSchema,
      topic: options.handlerRequestsTopic,
      groupId: `${options.groupId}-history`,
      logger,
      decode: (value) => codecs.request.decode(value),
      onFailed: (error) => failHistory(error),
    });
    opened.add('run history', () => history.stop());
    await history.start();
  }

  const refresh = setInterval(() => {
    read()
      .then(async (next) => {
        scheduler.setAutomations(next.automations);
        await processor?.setBook(new EventBook(next.automations));
      })
      .catch((error: unknown) => logger.warn({ event: 'automations_refresh_failed', err: error }, 'reading the automations again failed; the automations in force stay'));
  }, options.automationsRefreshInterval);
  opened.add('automations refresh', async () => clearInterval(refresh));

  return {
    metrics: registry,
    ready: () => processor?.ready ?? true,
    failed: Promise.race([processor?.failed ?? new Promise<Error>(() => undefined), historyFailed]),
    async stop() {
      stopping.abort();
      await opened.close();
    },
  };
}

type Shared = Pick<ConstructorParameters<typeof EventProcessor>[0], 'logger' | 'metrics' | 'now' | 'codecs' | 'latest' | 'book'> & { registryClient: RegistryClient };

async function startEvents(kafka: Kafka, options: ReturnType<typeof automationsOptionsSchema.parse>, shared: Shared, opened: OpenedResources): Promise<EventProcessor> {
  const { registryClient, ...config } = shared;
  const input = <T>(kind: EventInput['kind'], topic: string, schema: string, eventOf: (record: T) => AutomationEvent | undefined): EventInput => {
    const codec = new AvroCodec<T>(registryClient, valueSubject(topic), schema);
    return { topic, kind, decode: async (value) => eventOf(await codec.decode(value)) };
  };
  const inputs: EventInput[] = [
    input<Measurement>('readings', options.measurementsTopic, avroSchemas.Measurement, readingEvent),
    ...options.resolutions.map((r) => input<Rollup>('rollups', options.rollupTopicTemplate.replace('{resolution}', r), avroSchemas.Rollup, rollupEvent)),
    input<AlertEvent>('alerts', options.alertsTopic, avroSchemas.AlertEvent, alertEvent),
    input<CommandStatus>('command_answers', options.commandStatusTopic, avroSchemas.CommandStatus, commandAnswerEvent),
    input<DeviceMessage>('presence', options.deviceMessagesTopic, avroSchemas.DeviceMessage, presenceEvent),
  ];
  const stateTopic = options.stateTopic ?? `${options.groupId}.state`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = await partitionCount(admin, options.measurementsTopic);
    await createTopicIfMissing(admin, { name: stateTopic, partitions, config: { 'cleanup.policy': 'compact' } }, config.logger);
  } finally {
    await admin.disconnect();
  }
  const processor = new EventProcessor({
    ...config,
    kafka,
    inputs,
    stateTopic,
    requestsTopic: options.handlerRequestsTopic,
    deadLetterTopic: options.deadLetterTopic,
    groupId: options.groupId,
    transactionalId: `${options.groupId}-${options.instanceId}`,
    restoreTimeoutMs: options.restoreTimeout,
  });
  opened.add('event automations', () => processor.stop());
  await processor.start();
  return processor;
}

/** The automations in force: every valid one; those stored that no longer validate are logged and left out. */
function inForce(loaded: LoadedAutomations, logger: Logger, metrics: AutomationsMetrics): LoadedAutomations {
  for (const { automation, problems } of loaded.unreadable) logger.warn({ event: 'automation_unreadable', automation, problems }, 'a stored automation does not validate: it is left out');
  const enabled = loaded.automations.filter((a) => a.enabled);
  metrics.automations.set({ trigger: 'schedule' }, enabled.filter((a) => a.trigger.on === 'schedule').length);
  metrics.automations.set({ trigger: 'event' }, enabled.filter((a) => a.trigger.on !== 'schedule').length);
  return loaded;
}
