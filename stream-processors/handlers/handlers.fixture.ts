/**
 * Test support for the handler workers: a migrated registry in a fresh
 * schema, fresh topics (requests, results, commands, statuses, shadow
 * requests, dead letters), the component's options for them, a producer of
 * HandlerRequests as automations make them, and readers of what it writes.
 */
import { randomUUID } from 'node:crypto';
import { componentLogger } from '../../lib/logger';
import { producerDefaults } from '../../lib/kafka';
import type { Registry } from '../../registry';
import { freshRegistry } from '../../registry/registry.fixture';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { createRegistryClient } from '../../schemas/registry-client';
import { handlerTableNames } from '../../schemas/tables';
import type { CommandRequest, CommandStatus, HandlerRequest, HandlerResult } from '../../schemas/types';
import { eventually, freshGroupId, freshKeyPrefix, freshTopic, onCleanup, testKafka, testSettings, uniqueName } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { start } from './index';
import type { HandlersOptions } from './options';

export const tenant = 'acme';

export type HandlersFixtureOptions = HandlersOptions &
  Required<Pick<HandlersOptions, 'requestsTopic' | 'resultsTopic' | 'commandsTopic' | 'commandStatusTopic' | 'shadowRequestsTopic' | 'shadowResultsTopic' | 'deadLetterTopic' | 'groupId' | 'keyPrefix'>>;

export interface HandlersFixture {
  registry: Registry;
  options: HandlersFixtureOptions;
}

export async function handlersFixture(overrides: Partial<HandlersOptions> = {}): Promise<HandlersFixture> {
  const settings = testSettings();
  const registry = await freshRegistry();
  const options = {
    kafkaBrokers: settings.kafkaBrokers,
    schemaRegistryUrl: settings.schemaRegistryUrl,
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    mqttUrl: settings.mqttUrl,
    databaseSchema: registry.schema,
    requestsTopic: await freshTopic({ prefix: 'test.handler-requests', partitions: 2 }),
    resultsTopic: await freshTopic({ prefix: 'test.handler-results', partitions: 2, config: { 'cleanup.policy': 'compact' } }),
    commandsTopic: await freshTopic({ prefix: 'test.commands', partitions: 2 }),
    commandStatusTopic: await freshTopic({ prefix: 'test.command-status', partitions: 2 }),
    shadowRequestsTopic: await freshTopic({ prefix: 'test.shadow-requests', partitions: 2 }),
    shadowResultsTopic: await freshTopic({ prefix: 'test.shadow-results', partitions: 2 }),
    deadLetterTopic: await freshTopic({ prefix: 'test.deadletter' }),
    groupId: freshGroupId(),
    keyPrefix: freshKeyPrefix(),
    // the broker takes a second connection of one client id over from the first: each instance its own
    mqttClientId: uniqueName('handlers-test'),
    // fresh topics hold only what the test produced: no race with where a new group starts
    newGroupStartsAt: 'beginning' as const,
    retrySchedule: '200ms,200ms,200ms,200ms',
    retryJitter: 0,
    attemptTimeout: '3s',
    allowPrivateAddresses: true,
    pollInterval: '100ms',
    offsetCommitInterval: '1s',
    ...overrides,
  };
  return { registry, options };
}

export async function startHandlers(fixture: HandlersFixture) {
  const running = await start({ ...fixture.options, logger: componentLogger('handlers-test') });
  onCleanup(() => running.stop());
  return running;
}

async function avroProducer<T>(topic: string, schema: string) {
  const codec = new AvroCodec<T>(createRegistryClient(testSettings().schemaRegistryUrl), valueSubject(topic), schema);
  await codec.register();
  const producer = testKafka().producer({ ...producerDefaults, idempotent: true });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return async (messages: { key: string; value: T }[]) => {
    await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: codec.encode(m.value) })) });
  };
}

/** A request as an automation makes it; `executionId` fresh unless given. */
export function handlerRequest(handler: string, target: unknown, overrides: Partial<HandlerRequest> = {}): HandlerRequest {
  const now = Date.now();
  return {
    executionId: randomUUID(), tenant, handler, target: JSON.stringify(target), payload: JSON.stringify({ value: 42, path: '/acme/plant1/boiler/temperature' }),
    originKind: 'automation', originId: 'boiler-hot', trigger: 'event:test/0/1', firedAt: now, requestedAt: now, deadlineAt: null, ...overrides,
  };
}

export async function requestProducer(fixture: HandlersFixture) {
  const send = await avroProducer<HandlerRequest>(fixture.options.requestsTopic, avroSchemas.HandlerRequest);
  return (requests: HandlerRequest[]) => send(requests.map((r) => ({ key: r.executionId, value: r })));
}

export async function statusProducer(fixture: HandlersFixture) {
  const send = await avroProducer<CommandStatus>(fixture.options.commandStatusTopic, avroSchemas.CommandStatus);
  return (statuses: CommandStatus[]) => send(statuses.map((s) => ({ key: s.id, value: s })));
}

export async function handlersReaders(fixture: HandlersFixture) {
  return {
    results: await TopicReader.start<HandlerResult>(fixture.options.resultsTopic),
    commands: await TopicReader.start<CommandRequest>(fixture.options.commandsTopic),
    deadLetters: await TopicReader.start<{ reason: string; source: string; message: string }>(fixture.options.deadLetterTopic),
  };
}

export interface ExecutionRow {
  execution_id: string;
  state: string;
  attempts: number;
  detail: string | null;
  command_id: string | null;
}

export async function executionOf(fixture: HandlersFixture, executionId: string): Promise<ExecutionRow | undefined> {
  const { rows } = await fixture.registry.pool.query<ExecutionRow>(
    `select execution_id, state, attempts, detail, command_id from ${handlerTableNames(fixture.registry.schema).executions} where execution_id = $1`,
    [executionId],
  );
  return rows[0];
}

/** The execution once it is in `state`. */
export function executionIn(fixture: HandlersFixture, executionId: string, state: string, timeoutMs = 20_000): Promise<ExecutionRow> {
  return eventually(async () => {
    const row = await executionOf(fixture, executionId);
    return row?.state === state ? row : undefined;
  }, `execution ${executionId} ${state}`, timeoutMs);
}
