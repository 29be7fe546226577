/**
 * Test support for the notifications processor: the handler workers'
 * fixture (a migrated registry in a fresh schema, fresh topics), a fresh
 * alerts topic, a policy applied, a producer of AlertEvents as the alerts
 * processor writes them, and the processor's options for all of it.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { producerDefaults } from '../../lib/kafka';
import { componentLogger } from '../../lib/logger';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { parsePolicyDocument } from '../../schemas/notification-policy';
import { createRegistryClient } from '../../schemas/registry-client';
import { notificationTableNames } from '../../schemas/tables';
import type { AlertEvent } from '../../schemas/types';
import { freshGroupId, freshTopic, onCleanup, stoppedAfterTests, testKafka, testSettings } from '../../test/factories';
import { handlersFixture, startHandlers, type HandlersFixture } from '../handlers/handlers.fixture';
import { start } from './index';
import type { NotificationsOptions } from './options';
import { applyPolicyDocuments } from './policy-store';
import { SilenceStore } from '../../schemas/silence-store';

export interface NotificationsFixture {
  handlers: HandlersFixture;
  options: NotificationsOptions & Required<Pick<NotificationsOptions, 'alertsTopic' | 'handlerRequestsTopic' | 'groupId' | 'databaseSchema'>>;
  silences: SilenceStore;
}

/** Options of a notifications processor on fresh topics, with the policy `document` (YAML) applied, and handler workers started on its requests. */
export async function notificationsFixture(document: string): Promise<NotificationsFixture> {
  const handlers = await handlersFixture();
  const { registry } = handlers;
  await applyPolicyDocuments(registry.pool, registry.schema, [{ source: 'policy.yaml', document: parsePolicyDocument(document, 'policy.yaml') }]);
  const settings = testSettings();
  const options = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    alertsTopic: await freshTopic({ prefix: 'test.alerts', partitions: 2 }),
    handlerRequestsTopic: handlers.options.requestsTopic,
    deadLetterTopic: handlers.options.deadLetterTopic,
    groupId: freshGroupId(),
    evaluationInterval: '100ms',
    leaderPollInterval: '200ms',
    offsetCommitInterval: '500ms',
  };
  await startHandlers(handlers);
  return { handlers, options, silences: new SilenceStore(registry.pool, registry.schema) };
}

export async function startNotifications(fixture: NotificationsFixture, extra: { instanceId?: string; kafka?: Kafka } = {}) {
  const running = await start({ ...fixture.options, instanceId: extra.instanceId ?? 'a', logger: componentLogger(`notifications-test-${extra.instanceId ?? 'a'}`), ...(extra.kafka && { kafka: extra.kafka }) });
  return stoppedAfterTests(running);
}

/** An alert event of tenant acme as the alerts processor writes it; a fresh alarm id unless given. */
export function alertEvent(path: string, overrides: Partial<AlertEvent> = {}): AlertEvent {
  const now = Date.now();
  const [, tenant = 'acme'] = path.split('/');
  return {
    alarmId: randomUUID(), tenant, ruleId: 'boiler-hot', path, transition: 'firing', from: 'pending', to: 'firing', severity: 'warning', previousSeverity: null,
    value: 85, reads: 'raw', eventTime: now, episodeStart: now, labels: { team: 'heating' }, emittedAt: now, ...overrides,
  };
}

/** The resolution of a firing alert event. */
export function resolved(firing: AlertEvent): AlertEvent {
  const now = Date.now();
  return { ...firing, transition: 'resolved', from: 'firing', to: 'normal', previousSeverity: firing.severity, severity: null, value: 70, eventTime: now, emittedAt: now };
}

export async function alertProducer(fixture: NotificationsFixture) {
  const codec = new AvroCodec<AlertEvent>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(fixture.options.alertsTopic), avroSchemas.AlertEvent);
  await codec.register();
  const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return async (events: AlertEvent[]) => {
    await producer.send({ topic: fixture.options.alertsTopic, acks: -1, messages: events.map((e) => ({ key: e.path, value: codec.encode(e) })) });
  };
}

export interface GroupRow {
  group_key: string;
  started_at: Date;
  next_flush_at: Date;
  flush_seq: string;
}

export async function storedGroups(fixture: NotificationsFixture): Promise<GroupRow[]> {
  const { rows } = await fixture.handlers.registry.pool.query<GroupRow>(`select group_key, started_at, next_flush_at, flush_seq from ${notificationTableNames(fixture.options.databaseSchema).groups} order by group_key`);
  return rows;
}

/** A webhook receiver action of a policy, YAML. */
export const webhookAction = (url: string, secret: string, sendResolved = true) => `{ handler: webhook, target: { url: '${url}', secret: '${secret}' }, sendResolved: ${sendResolved} }`;

export interface FlushRow {
  started_at: Date;
  flushed_at: Date;
  execution_ids: string[];
  dispatched_at: Date | null;
}

/** The flushes recorded (those that sent something), oldest first. */
export async function recordedFlushes(fixture: NotificationsFixture): Promise<FlushRow[]> {
  const { rows } = await fixture.handlers.registry.pool.query<FlushRow>(
    `select started_at, flushed_at, execution_ids, dispatched_at from ${notificationTableNames(fixture.options.databaseSchema).flushes} order by flushed_at`,
  );
  return rows;
}
