import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { AdvisoryLeadership } from '../../lib/advisory-leadership';
import type { RunningComponent } from '../../lib/component';
import { parseOptions } from '../../lib/config';
import { createKafka, kafkaConnection, producerDefaults } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createMetricsRegistry } from '../../lib/metrics';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { retryUntilDone } from '../../lib/retry';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import type { NotificationPolicy } from '../../schemas/notification-policy';
import { createRegistryClient, type RegistryClient } from '../../schemas/registry-client';
import type { AlertEvent, DeadLetter, HandlerRequest } from '../../schemas/types';
import { startAlertIntake } from './alert-intake';
import { AlertStore } from './alert-store';
import { GroupStore } from './group-store';
import { NotificationFlusher } from './notification-flusher';
import { createNotificationsMetrics, type NotificationsMetrics } from './notifications-metrics';
import { notificationsOptionsSchema, type NotificationsOptions } from './options';
import { loadPolicies, type LoadedPolicies } from './policy-store';
import { SilenceStore } from '../../schemas/silence-store';

/**
 * The notifications processor (issue 17, item 4, Alertmanager's model): the
 * alerts topic read into PostgreSQL (the alarm states with their offsets);
 * one leader at a time (a PostgreSQL advisory lock) routes the alarms by
 * each tenant's policy into groups, mutes the silenced and inhibited ones,
 * and flushes the groups on their groupWait, groupInterval and
 * repeatInterval timers; each flush is recorded before its handler requests
 * (one per receiver action) go to the handler workers.
 */
/** `kafka`, `registryClient`: clients to use instead of those made from the options (tests put faults in them). */
export function start(input: NotificationsInput): Promise<RunningComponent> {
  return closeOnFailure(input.logger, (opened) => startWith(input, opened));
}

type NotificationsInput = NotificationsOptions & { logger: Logger; now?: () => number; kafka?: Kafka; registryClient?: RegistryClient };

async function startWith(input: NotificationsInput, opened: OpenedResources): Promise<RunningComponent> {
  const { logger, now = Date.now, kafka: client, registryClient: registryOverride, ...rest } = input;
  const options = parseOptions(notificationsOptionsSchema, rest, 'notifications options');
  const registry = createMetricsRegistry('notifications');
  const metrics = createNotificationsMetrics(registry);
  const kafka = client ?? createKafka({ ...kafkaConnection(options), clientId: `fleetstream-notifications-${options.instanceId}`, logger });
  const registryClient = registryOverride ?? createRegistryClient(options);
  const stopping = new AbortController();
  const onRetry = (what: string) => (error: unknown, attempt: number, delayMs: number) => logger.warn({ event: 'retrying', what, attempt, delayMs, err: error }, 'retrying');

  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, application_name: 'fleetstream-notifications', connectionTimeoutMillis: 5000 });
  // an idle client's error (server restart) must not crash the process; the next query reconnects
  pool.on('error', () => undefined);
  opened.add('database pool', () => pool.end());
  const read = () => loadPolicies(pool, options.databaseSchema).then((loaded) => inForce(loaded, logger, metrics));
  let policies = await retryUntilDone(read, { signal: stopping.signal, onRetry: onRetry('reading the notification policies') });

  const codec = <T>(topic: string, schema: string) => new AvroCodec<T>(registryClient, valueSubject(topic), schema);
  const codecs = {
    alert: codec<AlertEvent>(options.alertsTopic, avroSchemas.AlertEvent),
    request: codec<HandlerRequest>(options.handlerRequestsTopic, avroSchemas.HandlerRequest),
    deadLetter: codec<DeadLetter>(options.deadLetterTopic, avroSchemas.DeadLetter),
  };
  await retryUntilDone(() => Promise.all([codecs.request.register(), codecs.deadLetter.register()]), { signal: stopping.signal, onRetry: onRetry('schema registration') });

  const producer = kafka.producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  opened.add('request producer', () => producer.disconnect());
  const dispatch = async (requests: HandlerRequest[]) => {
    await producer.send({ topic: options.handlerRequestsTopic, acks: -1, messages: requests.map((r) => ({ key: r.executionId, value: codecs.request.encode(r) })) });
    metrics.requests.inc(requests.length);
  };

  const alerts = new AlertStore(pool, options.databaseSchema, options.groupId);
  const intake = await startAlertIntake({
    kafka,
    producer,
    store: alerts,
    codecs,
    alertsTopic: options.alertsTopic,
    deadLetterTopic: options.deadLetterTopic,
    groupId: options.groupId,
    fromBeginning: options.newGroupStartsAt === 'beginning',
    commitIntervalMs: options.offsetCommitInterval,
    fetchMaxWaitMs: options.fetchMaxWait,
    logger,
    metrics,
  });
  opened.add('alert intake', () => intake.stop());

  if (options.leader) {
    const flusher = new NotificationFlusher({
      alerts,
      groups: new GroupStore(pool, options.databaseSchema),
      silences: new SilenceStore(pool, options.databaseSchema),
      policies: () => policies,
      dispatch,
      logger,
      metrics,
      now,
      tickIntervalMs: options.evaluationInterval,
    });
    const leadership = new AdvisoryLeadership({
      applicationName: 'fleetstream-notifications-leader',
      connectionString: options.databaseUrl,
      lockName: `fleetstream.notifications.leader.${options.databaseSchema}`,
      pollIntervalMs: options.leaderPollInterval,
      logger,
      onChange: (leader) => flusher.setLeader(leader),
    });
    // stopped in reverse order: the lock is released only once no flush is under way
    opened.add('leadership', () => leadership.stop());
    opened.add('flusher', () => flusher.stop());
    flusher.start();
    leadership.start();
  }

  const refresh = setInterval(() => {
    read()
      .then((next) => (policies = next))
      .catch((error: unknown) => logger.warn({ event: 'policies_refresh_failed', err: error }, 'reading the notification policies again failed; the policies in force stay'));
  }, options.policiesRefreshInterval);
  opened.add('policies refresh', async () => clearInterval(refresh));

  return {
    metrics: registry,
    ready: () => intake.ready(),
    failed: intake.failed,
    async stop() {
      stopping.abort();
      await opened.close();
    },
  };
}

/** The policies in force: every valid one; stored ones that no longer validate are logged and left out. */
function inForce(loaded: LoadedPolicies, logger: Logger, metrics: NotificationsMetrics): Map<string, NotificationPolicy> {
  for (const { tenant, problems } of loaded.unreadable) logger.warn({ event: 'policy_unreadable', tenant, problems }, "a tenant's stored notification policy does not validate: it is left out");
  metrics.policies.set(loaded.policies.size);
  return loaded.policies;
}
