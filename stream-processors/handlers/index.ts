import type { Kafka, KafkaMessage } from 'kafkajs';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { readHandlerSecret } from '../../schemas/handler-secrets';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { HttpDelivery } from '../../lib/http-delivery';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { mqttConnection } from '../../lib/mqtt-security';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { startSourceConsumer } from '../../lib/outbox-consumer';
import { PeriodicRounds } from '../../lib/periodic-rounds';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { consumedRecordRejection, deadLetterMessage } from '../../schemas/dead-letter';
import { deviceKey } from '../../schemas/device-topics';
import { latestFromHash, latestKey } from '../../schemas/redis-keys';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import type { CommandRequest, CommandStatus, DeadLetter, HandlerRequest, HandlerResult, ShadowRequest, ShadowResult } from '../../schemas/types';
import { BrokerConnection } from './broker-connection';
import { commandAnswer, shadowAnswer, startAnswersConsumer } from './answers-consumer';
import { ExecutionLoop } from './execution-loop';
import { ExecutionStore } from './execution-store';
import type { HandlerServices } from './handler-services';
import { createHandlersMetrics } from './handlers-metrics';
import { handlersOptionsSchema, type HandlersOptions } from './options';
import { intakeOf, type Intake } from './request-intake';
import { SmtpMailer } from './smtp-mailer';

/**
 * The handler workers (issue 17, item 3): HandlerRequests from automations
 * and notifications run at least once by the handler their kind names
 * (handler-table.ts). Each consumed batch becomes rows of `handler_executions`,
 * written with the offsets they came from, before Kafka's offsets are
 * committed; execution rounds claim the due rows (execution-loop.ts), each
 * execution with its own retry state, so one failing or slow receiver never
 * holds up another. Every change is written with its HandlerResult, which
 * goes to fleet.handler-results.v1 in order. Several instances share the
 * request partitions (one group) and the table (claims skip what another holds).
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: HandlersInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type HandlersInput = HandlersOptions & { logger: Logger; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: HandlersInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(handlersOptionsSchema, rest, 'handlers options');
  const registry = createMetricsRegistry('handlers');
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-handlers', logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  opened.add('retries', () => stopping.abort());

  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  const resultCodec = new AvroCodec<HandlerResult>(registryClient, valueSubject(options.resultsTopic), avroSchemas.HandlerResult);
  const commandCodec = new AvroCodec<CommandRequest>(registryClient, valueSubject(options.commandsTopic), avroSchemas.CommandRequest);
  const shadowCodec = new AvroCodec<ShadowRequest>(registryClient, valueSubject(options.shadowRequestsTopic), avroSchemas.ShadowRequest);
  // read only: registered by their writers
  const requestCodec = new AvroCodec<HandlerRequest>(registryClient, valueSubject(options.requestsTopic), avroSchemas.HandlerRequest);
  const statusCodec = new AvroCodec<CommandStatus>(registryClient, valueSubject(options.commandStatusTopic), avroSchemas.CommandStatus);
  const shadowResultCodec = new AvroCodec<ShadowResult>(registryClient, valueSubject(options.shadowResultsTopic), avroSchemas.ShadowResult);
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');
  await retryUntilDone(() => Promise.all([deadLetterCodec.register(), resultCodec.register(), commandCodec.register(), shadowCodec.register()]), { signal: stopping.signal, onRetry });

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-handlers', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const store = new ExecutionStore(pool, options.databaseSchema, options.groupId);
  const metrics = createHandlersMetrics(registry, () => store.queueStats());

  const producer = kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  opened.add('producer', () => producer.disconnect());
  await producer.connect();

  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'fleetstream-handlers' });
  redis.on('error', () => undefined);
  opened.add('redis', () => redis.quit().then(() => undefined));
  const http = new HttpDelivery({ timeoutMs: options.attemptTimeout, allowPrivateAddresses: options.allowPrivateAddresses, allowHint: 'HANDLERS_ALLOW_PRIVATE_ADDRESSES=true', userAgent: 'fleetstream-handlers' });
  opened.add('http agents', () => http.close());
  const mailer = options.smtpUrl === undefined ? undefined : new SmtpMailer(options.smtpUrl, options.emailFrom, options.attemptTimeout);
  if (mailer) opened.add('smtp', () => mailer.close());
  const { url, security } = mqttConnection({ ...options, mqttUsername: options.mqttUsername, mqttPassword: options.mqttPassword });
  const broker = new BrokerConnection(url, security, options.mqttClientId, logger);
  opened.add('mqtt', () => broker.close());

  const services: HandlerServices = {
    http,
    email: mailer && { from: options.emailFrom, messageIdDomain: options.emailMessageIdDomain, send: (message) => mailer.send(message) },
    mqttPublish: (topic, payload, qos, retain) => broker.publish(topic, payload, qos, retain),
    sendCommand: async (request) => void (await producer.send({ topic: options.commandsTopic, acks: -1, messages: [{ key: deviceKey(request), value: commandCodec.encode(request) }] })),
    sendShadowRequest: async (request) => void (await producer.send({ topic: options.shadowRequestsTopic, acks: -1, messages: [{ key: deviceKey(request), value: shadowCodec.encode(request) }] })),
    handlerSecret: (tenant, name) => readHandlerSecret(pool, options.databaseSchema, tenant, name),
    latestValue: async (path) => latestFromHash(path, await redis.hgetall(latestKey(options.keyPrefix, path))),
  };

  const results = new PeriodicRounds(async () => {
    try {
      // one batch per call: a backlog is drained by waking again
      const sent = await store.publishResults(500, async (batch) => {
        await producer.send({ topic: options.resultsTopic, acks: -1, messages: batch.map((r) => ({ key: r.executionId, value: resultCodec.encode(r) })) });
      });
      metrics.results.inc(sent);
      if (sent === 500) results.wake();
    } catch (error) {
      metrics.failures.inc({ work: 'results' });
      logger.warn({ event: 'results_unpublished', err: error }, 'writing results to the results topic failed; retried at the next interval');
    }
  }, options.pollInterval);
  opened.add('results publisher', () => results.stop());

  const executions = new ExecutionLoop({
    store,
    services,
    policy: { scheduleMs: options.retrySchedule, jitter: options.retryJitter, maxRetryAfterMs: options.maxRetryAfter },
    maxInFlight: options.maxInFlight,
    maxInFlightPerReceiver: options.maxInFlightPerReceiver,
    attemptTimeoutMs: options.attemptTimeout,
    pollIntervalMs: options.pollInterval,
    logger,
    metrics,
    onChange: () => results.wake(),
  });
  opened.add('execution loop', () => executions.stop());

  const decode = async (message: KafkaMessage): Promise<Intake> => {
    if (message.value === null) return { ok: false, reason: 'undecodable', message: 'a request without a value (tombstone)' };
    try {
      return intakeOf(await requestCodec.decode(message.value));
    } catch (error) {
      // a registry that cannot be asked now is retried with the batch; a record that cannot be read is dead-lettered
      if ((error as { retriable?: boolean }).retriable === true) throw error;
      return { ok: false, reason: 'undecodable', message: (error as Error).message };
    }
  };

  const apply = async (topic: string, partition: number, messages: KafkaMessage[], acceptGap: boolean) => {
    const taken: { offset: string; intake: Intake; message: KafkaMessage }[] = [];
    for (const message of messages) taken.push({ offset: message.offset, intake: await decode(message), message });
    const rejected = taken.filter((t) => !t.intake.ok);
    // before the commit, so a crash between sends them again rather than never
    if (rejected.length > 0) {
      await producer.send({
        topic: options.deadLetterTopic,
        acks: -1,
        messages: rejected.map((r) => {
          const { reason, message } = r.intake as Extract<Intake, { ok: false }>;
          metrics.deadLettered.inc({ reason });
          logger.warn({ event: 'request_dead_lettered', reason, offset: r.offset, partition, detail: message }, 'a handler request cannot be run: dead-lettered');
          return deadLetterMessage(deadLetterCodec, consumedRecordRejection('handlers', reason, message, { topic, partition, message: r.message }, Date.now()));
        }),
      });
    }
    let accepted: Extract<Intake, { ok: true }>['execution'][] = [];
    const outcome = await store.applyBatch({ topic, partition, firstOffset: messages[0]!.offset, lastOffset: messages.at(-1)!.offset, acceptGap }, (from) => {
      accepted = taken.flatMap((t) => (BigInt(t.offset) >= from && t.intake.ok ? [t.intake.execution] : []));
      return accepted;
    });
    if (outcome.written > 0) {
      for (const execution of accepted) metrics.requests.inc({ handler: execution.handler });
      executions.wake();
      results.wake();
    }
    return outcome;
  };

  const consumer = await startSourceConsumer({
    kafka,
    groupId: options.groupId,
    topics: [options.requestsTopic],
    partitionsConsumedConcurrently: 2,
    fromBeginning: options.newGroupStartsAt === 'beginning',
    commitIntervalMs: options.offsetCommitInterval,
    fetchMinBytes: 1,
    fetchMaxWaitMs: options.fetchMaxWait,
    logger,
    metrics,
    apply,
  });
  opened.add('consumer', () => consumer.stop());
  const answers = { kafka, fromBeginning: options.newGroupStartsAt === 'beginning', fetchMaxWaitMs: options.fetchMaxWait, store, logger, onChange: () => results.wake() };
  const statuses = await startAnswersConsumer({ ...answers, groupId: `${options.groupId}.command-status`, topic: options.commandStatusTopic, keyedById: true, codec: statusCodec, answerOf: commandAnswer });
  opened.add('status consumer', () => statuses.stop());
  const shadowResults = await startAnswersConsumer({ ...answers, groupId: `${options.groupId}.shadow-results`, topic: options.shadowResultsTopic, keyedById: false, codec: shadowResultCodec, answerOf: shadowAnswer });
  opened.add('shadow results consumer', () => shadowResults.stop());
  executions.start();
  results.start(true);

  const purge = setInterval(() => {
    store.purgeFinished(options.retention).then(
      (deleted) => deleted > 0 && logger.info({ event: 'executions_purged', deleted }, 'finished executions past their retention deleted'),
      (error: unknown) => logger.warn({ event: 'executions_purge_failed', err: error }, 'deleting finished executions failed; tried again later'),
    );
  }, 60_000);
  opened.add('purge timer', () => clearInterval(purge));
  logger.info({ event: 'handlers_started', groupId: options.groupId, email: mailer !== undefined }, 'handler workers started');
  return {
    metrics: registry,
    ready: () => consumer.ready() && statuses.ready() && shadowResults.ready(),
    failed: Promise.race([consumer.failed, statuses.failed, shadowResults.failed]),
    async stop() {
      await opened.close();
    },
  };
}
