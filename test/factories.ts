/**
 * Test factories: each test gets fresh resources with random names (topic,
 * consumer group, database schema, key prefix) and their teardown is
 * registered here, so tests neither depend on order nor see each other.
 * Importing this module registers one afterAll hook for the file.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { readConnectionSettings, type ConnectionSettings } from '../lib/config';
import { createKafka } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { createTopicsAndWait } from '../lib/create-topics';

export { freePort } from './free-port';

type Cleanup = () => Promise<void>;
const cleanups: Cleanup[] = [];

/** Registers a teardown step; steps run after the file's tests, last registered first. */
export function onCleanup(step: Cleanup): void {
  cleanups.push(step);
}

afterAll(async () => {
  // a step may register more steps (a shared client opened during teardown): drain until empty
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

/** A started component, stopped after the file's tests unless a test stopped it first (its `stop` also ends a crash test's instance). */
export function stoppedAfterTests<T extends { stop(): Promise<void> }>(running: T): T {
  let stopped = false;
  onCleanup(async () => {
    if (!stopped) await running.stop();
  });
  return {
    ...running,
    async stop() {
      stopped = true;
      await running.stop();
    },
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function testSettings(): ConnectionSettings {
  return readConnectionSettings();
}

export function testKafka(clientId = uniqueName('test')): Kafka {
  return createKafka({ brokers: testSettings().kafkaBrokers, clientId, logger: componentLogger('test'), retry: { retries: 3, initialRetryTime: 100 } });
}

let sharedAdmin: Promise<Admin> | undefined;
async function admin(): Promise<Admin> {
  sharedAdmin ??= (async () => {
    const a = testKafka('test-admin').admin();
    await a.connect();
    onCleanup(() => a.disconnect());
    return a;
  })();
  return sharedAdmin;
}

/** A new topic with a random name, deleted after the file's tests. */
export async function freshTopic(options: { prefix?: string; partitions?: number; config?: Record<string, string> } = {}): Promise<string> {
  const topic = uniqueName(options.prefix ?? 'test.topic');
  const a = await admin();
  await createTopicsAndWait(a, [{ topic, numPartitions: options.partitions ?? 1, configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })) }]);
  onCleanup(async () => {
    await (await admin()).deleteTopics({ topics: [topic] }).catch(() => undefined);
  });
  return topic;
}

/** Deletes topics a test created by other means (for example through `applyTopics`). */
export function cleanupTopics(topics: string[]): void {
  onCleanup(async () => {
    await (await admin()).deleteTopics({ topics }).catch(() => undefined);
  });
}

export function freshGroupId(): string {
  return uniqueName('test-group');
}

/**
 * A pool whose search_path is a new schema (and only it: a table the test has
 * not created yet must not resolve to one in `public`), dropped after the file's tests.
 */
export async function freshDatabaseSchema(): Promise<{ pool: Pool; schema: string }> {
  const schema = uniqueName('test').replace(/-/g, '_');
  const setup = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
  await setup.query(`create schema "${schema}"`);
  await setup.end();
  const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 4, options: `-c search_path="${schema}"` });
  onCleanup(async () => {
    await pool.query(`drop schema "${schema}" cascade`);
    await pool.end();
  });
  return { pool, schema };
}

/** A random Redis key prefix; its keys are deleted after the file's tests by the caller's client. */
export function freshKeyPrefix(): string {
  return `${uniqueName('test')}:`;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
