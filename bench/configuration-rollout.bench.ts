/**
 * A configuration rollout to a site of 10,000 devices (issue 16's benchmark):
 * from the assignment's POST to the API until the progress endpoint counts
 * every device APPLIED, with the query API and the configuration processor
 * in process and the devices played by a fast responder that reads the
 * downlink topic and answers each publication at once (the MQTT side is not
 * in the measurement). Devices are online before the rollout.
 *
 * Run: `eval "$(make -s env)" && node -r ./test/swc-register.js bench/run.ts configuration-rollout`
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { createTopicsAndWait } from '../lib/create-topics';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { start as startQueryApi } from '../query-api/index';
import { createToken, registryOn } from '../registry';
import { applyMigrations } from '../schemas/apply-migrations';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deviceKey } from '../schemas/device-topics';
import { createRegistryClient } from '../schemas/registry-client';
import { quoteIdent, registryTableNames } from '../schemas/tables';
import type { DeviceMessage, DownlinkMessage } from '../schemas/types';
import { start as startProcessor } from '../stream-processors/configuration';
import { benchProgress } from './lib/progress';
import { writeResult } from './lib/results';

const DEVICES = Number(process.env.CONFIGURATION_BENCH_DEVICES ?? 10_000);
const PARTITIONS = 6;
const tenant = 'bench';
const site = 'rollout';
const log = benchProgress('configuration-rollout');

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const id = `bench-config-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const schema = id.replace(/-/g, '_');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: id, logger: componentLogger('bench') });
  const topics = { assignments: `${id}.assignments`, messages: `${id}.device-messages`, downlink: `${id}.downlink`, deadLetter: `${id}.deadletter` };
  const admin = kafka.admin();
  await admin.connect();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 4 });
  const closing: (() => Promise<unknown>)[] = [];
  try {
    await createTopicsAndWait(admin, Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })));
    closing.push(() => admin.deleteTopics({ topics: Object.values(topics) }));
    closing.push(() => pool.query(`drop schema if exists ${quoteIdent(schema)} cascade`));
    const client = await pool.connect();
    try {
      await applyMigrations(client, { schema, resolutions: ['1m'] }, componentLogger('bench'));
    } finally {
      client.release();
    }
    const names = Array.from({ length: DEVICES }, (_, i) => `d${String(i).padStart(5, '0')}`);
    await provision(pool, schema, names);
    const registry = registryOn(pool, schema);
    const token = (await createToken(registry, { tenant: null, role: 'admin' })).token;

    const api = await startQueryApi({
      port: 0, host: '127.0.0.1', databaseUrl: settings.databaseUrl, redisUrl: settings.redisUrl, databaseSchema: schema, registrySchema: schema,
      keyPrefix: `${id}:`, kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, configAssignmentsTopic: topics.assignments,
    });
    closing.unshift(() => api.stop());
    const base = `http://127.0.0.1:${api.port}/v1/admin/configuration/${tenant}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const answer = (await response.json()) as Record<string, unknown>;
      if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    await call('PUT', '/device-types/meter', { schema: { type: 'object', properties: { interval_s: { type: 'integer' } } } });
    const document = (await call('POST', '/documents', { deviceType: 'meter', config: { interval_s: 60, note: 'x'.repeat(200) } })) as { version: number; sha256: string };

    const processor = await startProcessor({
      kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, databaseUrl: settings.databaseUrl, databaseSchema: schema,
      assignmentsTopic: topics.assignments, deviceMessagesTopic: topics.messages, downlinkTopic: topics.downlink, deadLetterTopic: topics.deadLetter,
      groupId: `${id}-group`, logger: componentLogger('configuration-bench'),
    });
    closing.unshift(() => processor.stop());
    const responder = await startResponder(kafka, settings.schemaRegistryUrl, topics, id);
    closing.unshift(() => responder.stop());
    await responder.say(names.map((device) => ({ device: { tenant, site, device }, kind: 'status', payload: 'online' })));
    await waitFor(async () => Number((await pool.query(`select count(*) as n from ${quoteIdent(schema)}.config_device_state where online`)).rows[0].n) === DEVICES, 'presence taken', 120_000);
    log(`${DEVICES} devices online; assigning`);

    const started = performance.now();
    const assignment = (await call('POST', `/documents/${document.version}/assignments`, { site, deadline: new Date(Date.now() + 3_600_000).toISOString() })) as { devices: number };
    const assignedMs = performance.now() - started;
    let publishedMs = 0;
    let progress: { states: Record<string, number> } = { states: {} };
    await waitFor(async () => {
      progress = (await call('GET', `/documents/${document.version}/progress`)) as typeof progress;
      if (publishedMs === 0 && responder.publications() >= DEVICES) publishedMs = performance.now() - started;
      return progress.states.APPLIED === DEVICES;
    }, 'every device APPLIED', 600_000);
    const appliedMs = performance.now() - started;
    log(`APPLIED after ${(appliedMs / 1000).toFixed(1)} s (assignment answered after ${(assignedMs / 1000).toFixed(1)} s, all published after ${(publishedMs / 1000).toFixed(1)} s)`);

    const medians = { devices: assignment.devices, assignmentAnsweredSeconds: round(assignedMs), allPublishedSeconds: round(publishedMs), allAppliedSeconds: round(appliedMs), devicesPerSecond: Math.round(DEVICES / (appliedMs / 1000)) };
    const file = await writeResult('configuration-rollout', {
      parameters: { devices: DEVICES, partitions: PARTITIONS, deliveryBatchSize: 500, partitionsConsumedConcurrently: 2, responder: 'answers each publication at once, in batches as they are consumed', online: 'every device, before the rollout' },
      repetitions: [medians],
      medians,
    });
    return { ...medians, file };
  } finally {
    for (const close of closing) await close().catch((error: unknown) => log(`cleanup: ${(error as Error).message}`));
    await admin.disconnect();
    await pool.end();
  }
}

function round(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** Devices straight into the registry's tables, with the tag `type=meter` (the registry's API hashes a password per device). */
async function provision(pool: Pool, schema: string, names: string[]): Promise<void> {
  const t = registryTableNames(schema);
  await pool.query(`insert into ${t.tenants} (name, revision) values ($1, 0)`, [tenant]);
  await pool.query(`insert into ${t.sites} (tenant, name, revision) values ($1, $2, 0)`, [tenant, site]);
  await pool.query(`insert into ${t.devices} (tenant, site, name, tags, revision) select $1, $2, name, '{"type":"meter"}', 0 from unnest($3::text[]) as name`, [tenant, site, names]);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Plays the devices: answers every `config` publication with `applied` for its version and hash. */
async function startResponder(kafka: Kafka, registryUrl: string, topics: { messages: string; downlink: string }, id: string) {
  const registryClient = createRegistryClient(registryUrl);
  const codec = new AvroCodec<DeviceMessage>(registryClient, valueSubject(topics.messages), avroSchemas.DeviceMessage);
  await codec.register();
  const downlinks = new AvroCodec<DownlinkMessage>(registryClient, valueSubject(topics.downlink), avroSchemas.DownlinkMessage);
  const producer: Producer = kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const say = async (messages: { device: { tenant: string; site: string; device: string }; kind: 'status' | 'config_ack'; payload: string }[]) => {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({
        topic: topics.messages,
        acks: -1,
        messages: messages.slice(i, i + 2000).map(({ device, kind, payload }) => ({
          key: deviceKey(device),
          value: codec.encode({ ...device, kind, subtopic: kind === 'status' ? 'status' : 'config/ack', payload: Buffer.from(payload), receivedAt: Date.now(), transport: 'mqtt', sourceTopic: null }),
        })),
      });
    }
  };
  let publications = 0;
  const consumer: Consumer = kafka.consumer({ groupId: `${id}-devices`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.downlink, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const acks = [];
      for (const message of batch.messages) {
        const downlink = await downlinks.decode(message.value!);
        if (downlink.subtopic !== 'config') continue;
        publications++;
        const { version, sha256 } = JSON.parse(downlink.payload.toString()) as { version: number; sha256: string };
        acks.push({ device: { tenant: downlink.tenant, site: downlink.site, device: downlink.device }, kind: 'config_ack' as const, payload: JSON.stringify({ version, sha256, status: 'applied', detail: '' }) });
      }
      await say(acks);
    },
  });
  return {
    say,
    publications: () => publications,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
