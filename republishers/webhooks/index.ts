import type { Kafka, KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { consumedRecordRejection, deadLetterMessage } from '../../schemas/dead-letter';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import type { AlertEvent, CommandStatus, DeadLetter, Measurement, Rollup } from '../../schemas/types';
import type { WebhookEventType } from '../../schemas/webhooks';
import { DeliveryLoop } from './delivery-loop';
import { HttpDelivery } from '../../lib/http-delivery';
import { webhooksOptionsSchema, type WebhooksOptions } from './options';
import { outboxMessages } from './outbox-messages';
import { recordPrefilter } from './record-prefilter';
import { OutboxStore } from './outbox-store';
import { startSourceConsumer } from '../../lib/outbox-consumer';
import { SubscriptionCache } from './subscription-cache';
import { alertEvent, commandAnswerEvent, measurementEvent, rollupEvent, type WebhookEvent } from './webhook-events';
import { createWebhooksMetrics } from './webhooks-metrics';

/**
 * The webhooks republisher (issue 17, item 5; Zenatix's HTTP republisher):
 * events of the source topics (readings, final rollups, finished commands,
 * alert transitions)
 * go to the tenants' subscriptions as signed Standard Webhooks requests, at
 * least once. Each consumed batch becomes outbox messages in PostgreSQL,
 * written with the offsets they came from (outbox-store.ts), before its Kafka
 * offsets are committed; delivery rounds take the due messages from there
 * (delivery-loop.ts), retry them on the schedule and dead-letter them at its
 * end. Several instances share the source partitions (one consumer group)
 * and the outbox (claims skip what another instance holds).
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: WebhooksInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type WebhooksInput = WebhooksOptions & { logger: Logger; kafka?: Kafka; registryClient?: RegistryClient };

type Decoded = { offset: string; events: WebhookEvent[] } | { offset: string; rejected: string; message: KafkaMessage };

async function startWith(input: WebhooksInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(webhooksOptionsSchema, rest, 'webhooks options');
  const registry = createMetricsRegistry('webhooks');
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: 'fleetstream-webhooks', logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  opened.add('retries', () => stopping.abort());

  const deadLetterCodec = new AvroCodec<DeadLetter>(registryClient, valueSubject(options.deadLetterTopic), avroSchemas.DeadLetter);
  // read only: registered by their writers
  const measurementCodec = new AvroCodec<Measurement>(registryClient, valueSubject(options.measurementsTopic), avroSchemas.Measurement);
  const rollupCodec = new AvroCodec<Rollup>(registryClient, valueSubject(options.rollup1mTopic), avroSchemas.Rollup);
  const statusCodec = new AvroCodec<CommandStatus>(registryClient, valueSubject(options.commandStatusTopic), avroSchemas.CommandStatus);
  const alertCodec = new AvroCodec<AlertEvent>(registryClient, valueSubject(options.alertsTopic), avroSchemas.AlertEvent);
  const onRetry = (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what: 'schema registration', attempt, delayMs, err: error }, 'retrying');
  await retryUntilDone(() => deadLetterCodec.register(), { signal: stopping.signal, onRetry });

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-webhooks', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const store = new OutboxStore(pool, options.databaseSchema, options.groupId);
  const metrics = createWebhooksMetrics(registry, () => store.queueDepths());
  const cache = new SubscriptionCache(store, options.subscriptionRefresh);
  await cache.fresh();

  const producer = kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  opened.add('producer', () => producer.disconnect());
  await producer.connect();
  const sendDeadLetters = async (messages: ReturnType<typeof deadLetterMessage>[], reason: string) => {
    if (messages.length === 0) return;
    await producer.send({ topic: options.deadLetterTopic, acks: -1, messages });
    metrics.deadLettered.inc({ reason }, messages.length);
  };

  const http = new HttpDelivery({
    timeoutMs: options.requestTimeout,
    allowPrivateAddresses: options.allowPrivateAddresses,
    allowHint: 'WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true',
    userAgent: 'fleetstream-webhooks',
  });
  opened.add('http agents', () => http.close());
  const deliveries = new DeliveryLoop({
    store,
    cache,
    http,
    policy: { scheduleMs: options.retrySchedule, jitter: options.retryJitter, maxRetryAfterMs: options.maxRetryAfter },
    maxInFlightPerSubscription: options.maxInFlightPerSubscription,
    // past the request timeout, with room for recording the outcome
    leaseMs: options.requestTimeout + 5000,
    pollIntervalMs: options.pollInterval,
    logger,
    metrics,
    deadLetter: (message, subscription, reason, status) =>
      sendDeadLetters(
        [
          deadLetterMessage(deadLetterCodec, {
            source: 'webhooks',
            reason: 'webhook_undeliverable',
            message: `webhook message ${message.id} to subscription ${subscription.id} given up: ${reason}`,
            payload: Buffer.from(message.body),
            sourceTopic: null,
            headers: { subscription: subscription.id, tenant: subscription.tenant, 'webhook-id': message.id, ...(status === null ? {} : { status: String(status) }) },
            time: Date.now(),
          }),
        ],
        'webhook_undeliverable',
      ),
  });
  opened.add('delivery loop', () => deliveries.stop());

  const decode = async (topic: string, message: KafkaMessage): Promise<Decoded> => {
    const { offset } = message;
    // a tombstone of the compacted status topic: nothing happened
    if (message.value === null) return { offset, events: [] };
    try {
      if (topic === options.measurementsTopic) return { offset, events: [measurementEvent(await measurementCodec.decode(message.value))] };
      if (topic === options.commandStatusTopic) return { offset, events: [commandAnswerEvent(await statusCodec.decode(message.value))].filter((e) => e !== undefined) };
      if (topic === options.alertsTopic) return { offset, events: [alertEvent(await alertCodec.decode(message.value))] };
      return { offset, events: [rollupEvent(await rollupCodec.decode(message.value))].filter((e) => e !== undefined) };
    } catch (error) {
      // a registry that cannot be asked now is retried with the batch; a record that cannot be read is dead-lettered
      if ((error as { retriable?: boolean }).retriable === true) throw error;
      return { offset, rejected: (error as Error).message, message };
    }
  };

  const eventTypes = new Map<string, WebhookEventType>([
    [options.measurementsTopic, 'measurement'],
    [options.rollup1mTopic, 'rollup.1m'],
    [options.rollup1hTopic, 'rollup.1h'],
    [options.rollup1dTopic, 'rollup.1d'],
    [options.commandStatusTopic, 'command.answer'],
    [options.alertsTopic, 'alert'],
  ]);

  const apply = async (topic: string, partition: number, messages: KafkaMessage[], acceptGap: boolean) => {
    const subscriptions = await cache.fresh();
    // only what a subscription may take is decoded: without subscriptions, a batch only moves the stored offset
    const wanted = recordPrefilter(subscriptions, eventTypes.get(topic)!, topic !== options.commandStatusTopic);
    const decoded: Decoded[] = [];
    for (const message of messages) decoded.push(wanted(message.key) ? await decode(topic, message) : { offset: message.offset, events: [] });
    const rejected = decoded.filter((d) => 'rejected' in d);
    // before the outbox commit, so a crash between sends them again rather than never
    await sendDeadLetters(
      rejected.map((r) => deadLetterMessage(deadLetterCodec, consumedRecordRejection('webhooks', 'undecodable', r.rejected, { topic, partition, message: r.message }, Date.now()))),
      'undecodable',
    );
    let events: WebhookEvent[] = [];
    const outcome = await store.applyBatch(topic, partition, { firstOffset: messages[0]!.offset, lastOffset: messages.at(-1)!.offset, acceptGap }, (from) => {
      events = decoded.flatMap((d) => (BigInt(d.offset) >= from && 'events' in d ? d.events : []));
      return outboxMessages(events, subscriptions);
    });
    if (outcome.written > 0) {
      for (const event of events) metrics.events.inc({ type: event.type });
      metrics.messages.inc(outcome.written);
      deliveries.wake();
    }
    return outcome;
  };

  const consumer = await startSourceConsumer({
    kafka,
    groupId: options.groupId,
    topics: [options.measurementsTopic, options.rollup1mTopic, options.rollup1hTopic, options.rollup1dTopic, options.commandStatusTopic, options.alertsTopic],
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    fromBeginning: options.newGroupStartsAt === 'beginning',
    commitIntervalMs: options.offsetCommitInterval,
    fetchMinBytes: options.fetchMinBytes,
    fetchMaxWaitMs: options.fetchMaxWait,
    logger,
    metrics,
    apply,
    // a topic whose event type no enabled subscription takes is not fetched: its stored offset follows its end
    reads: async (topic) => (await cache.fresh()).some((s) => s.enabled && s.eventTypes.includes(eventTypes.get(topic)!)),
    skipTo: (topic, partition, nextOffset) => store.skipTo(topic, partition, nextOffset),
  });
  opened.add('consumer', () => consumer.stop());
  deliveries.start();

  const purge = setInterval(() => {
    store.purgeFinished(options.retention).then(
      (deleted) => deleted > 0 && logger.info({ event: 'outbox_purged', deleted }, 'finished messages past their retention deleted'),
      (error: unknown) => logger.warn({ event: 'outbox_purge_failed', err: error }, 'deleting finished messages failed; tried again later'),
    );
  }, 60_000);
  opened.add('purge timer', () => clearInterval(purge));
  logger.info({ event: 'webhooks_started', groupId: options.groupId, subscriptions: cache.current().length, allowPrivateAddresses: options.allowPrivateAddresses }, 'webhooks republisher started');
  return {
    metrics: registry,
    ready: () => consumer.ready(),
    failed: consumer.failed,
    async stop() {
      await opened.close();
    },
  };
}
