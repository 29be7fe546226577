/**
 * Test support for the webhooks republisher: a migrated registry with tenant
 * `acme` in a fresh schema, fresh source topics with registered codecs, the
 * component's options for them, subscriptions made as the admin API makes
 * them; real HTTP receivers are in test/http-receiver.ts.
 */
import type { Kafka } from 'kafkajs';
import { componentLogger } from '../../lib/logger';
import type { Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { SubscriptionStore, type SubscriptionInput } from '../../query-api/webhooks/subscription-store';
import { webhookTableNames } from '../../schemas/tables';
import { freshGroupId, freshTopic, onCleanup, testSettings } from '../../test/factories';
import { freshSinkTopics, produceMeasurements, reading, type SinkTopics } from '../../test/sink-records';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import type { CommandStatus } from '../../schemas/types';
import { start } from './index';
import type { WebhooksOptions } from './options';

export const tenant = 'acme';

export interface WebhookFixture {
  registry: Registry;
  topics: SinkTopics;
  options: WebhooksOptions & { groupId: string };
  store: SubscriptionStore;
}

export async function webhookFixture(overrides: Partial<WebhooksOptions> = {}): Promise<WebhookFixture> {
  const settings = testSettings();
  const registry = await freshRegistry();
  await registry.pool.query(`insert into ${registry.tables.tenants} (name, revision) values ($1, 1)`, [tenant]);
  const topics = await freshSinkTopics(['1m', '1h', '1d'], 2);
  const commandStatusTopic = await freshTopic({ prefix: 'test.command-status', partitions: 2 });
  const alertsTopic = overrides.alertsTopic ?? (await freshTopic({ prefix: 'test.alerts', partitions: 2 }));
  const options = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    databaseSchema: registry.schema,
    measurementsTopic: topics.measurements,
    rollup1mTopic: topics.rollups['1m']!,
    rollup1hTopic: topics.rollups['1h']!,
    rollup1dTopic: topics.rollups['1d']!,
    commandStatusTopic,
    alertsTopic,
    deadLetterTopic: topics.deadLetter,
    groupId: freshGroupId(),
    // fresh topics hold only what the test produced: no race with where a new group starts
    newGroupStartsAt: 'beginning' as const,
    retrySchedule: '100ms,100ms,100ms,100ms',
    retryJitter: 0,
    requestTimeout: '3s',
    allowPrivateAddresses: true,
    pollInterval: '100ms',
    subscriptionRefresh: '100ms',
    offsetCommitInterval: '1s',
    ...overrides,
  };
  return { registry, topics, options, store: new SubscriptionStore(registry) };
}

export async function startWebhooks(fixture: WebhookFixture, kafka?: Kafka) {
  const running = await start({ ...fixture.options, logger: componentLogger('webhooks-test'), kafka });
  onCleanup(() => running.stop());
  return running;
}

export async function subscribe(fixture: WebhookFixture, input: SubscriptionInput): Promise<{ id: string; secret: string }> {
  const created = await fixture.store.create(tenant, input, null);
  return { id: created.record.id, secret: created.secret };
}

/** Readings of `/acme/<site>/d1/kwh`, one a second from `from`; their times. */
export async function produceReadings(fixture: WebhookFixture, site: string, count: number, from = Date.UTC(2026, 11, 3)): Promise<number[]> {
  const times = Array.from({ length: count }, (_, i) => from + i * 1000);
  await produceMeasurements(fixture.topics, times.map((t, i) => reading(`/${tenant}/${site}/d1/kwh`, t, i)));
  return times;
}

/** Command statuses as the commands processor writes them (key = command id). */
export async function produceCommandStatuses(fixture: WebhookFixture, statuses: CommandStatus[]): Promise<void> {
  const topic = fixture.options.commandStatusTopic!;
  const codec = new AvroCodec<CommandStatus>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(topic), avroSchemas.CommandStatus);
  await codec.register();
  await fixture.topics.producer.send({ topic, acks: -1, messages: statuses.map((s) => ({ key: s.id, value: codec.encode(s) })) });
}

export interface OutboxRow {
  id: string;
  state: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  events: number;
}

export async function outboxOf(fixture: WebhookFixture, subscriptionId: string): Promise<OutboxRow[]> {
  const { rows } = await fixture.registry.pool.query<OutboxRow>(
    `select id, state, attempts, last_status, last_error, events from ${webhookTableNames(fixture.registry.schema).messages} where subscription_id = $1 order by created_at, id`,
    [subscriptionId],
  );
  return rows;
}

export { Receiver, signedWith, type Answer, type ReceivedRequest } from '../../test/http-receiver';
