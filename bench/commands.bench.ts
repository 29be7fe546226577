/**
 * Commands end to end (issue 16): synchronous POSTs to the query API at a
 * fixed offered rate (open loop: command i is due at start + i/rate, and its
 * latency runs from then), through Kafka and the commands processor to a
 * device and back. The API and the processor run as their own processes
 * (`fleetstream query-api`, `fleetstream commands`) on fresh topics and a fresh
 * registry schema; the devices (and the mqtt-downlink) are played here: each
 * cmd/req read from the downlink topic, read_committed, is acked and answered
 * at once through the device-messages topic. So the figure is the platform's
 * own round trip (API, Kafka, processor transactions, status read back),
 * without MQTT and the device.
 * Writes bench/results/commands.json.
 * Env: BENCH_COMMANDS_RATES (default 50,200), BENCH_COMMANDS_SECONDS (per rate, default 10), BENCH_COMMANDS_DEVICES (default 50).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { readConnectionSettings } from '../lib/config';
import { createKafka, producerDefaults } from '../lib/kafka';
import { createTopicsAndWait } from '../lib/create-topics';
import { componentLogger } from '../lib/logger';
import { addDevice, createToken, registryOn } from '../registry';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deviceKey } from '../schemas/device-topics';
import { createRegistryClient } from '../schemas/registry-client';
import { topicNames } from '../schemas/topics';
import type { DeviceMessage, DownlinkMessage } from '../schemas/types';
import { freePort } from '../test/free-port';
import { migratedSchema } from './lib/bench-schema';
import { spawnCli, stopChild as stop, waitReady } from './lib/component-process';
import { openLoop } from './lib/fixed-rate-load';
import { quantile } from './lib/stats';
import { writeResult } from './lib/results';

interface RateResult {
  offeredPerSecond: number;
  answeredPerSecond: number;
  succeeded: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Open-loop synchronous commands at `rate` for `seconds`, round robin over the devices. */
async function loadAtRate(base: string, token: string, devices: string[], rate: number, seconds: number): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let succeeded = 0;
  let failed = 0;
  const start = performance.now();
  const send = async (i: number, due: number) => {
    try {
      const response = await fetch(`${base}/v1/devices/bench/site1/${devices[i % devices.length]}/commands`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'read-now', params: { i }, timeoutMs: 30_000 }),
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - due);
      if (response.status === 200) succeeded++;
      else failed++;
    } catch {
      failed++;
    }
  };
  await openLoop(rate, total, send, start);
  const elapsed = (performance.now() - start) / 1000;
  const ms = (v: number) => Math.round(v * 10) / 10;
  return { offeredPerSecond: rate, answeredPerSecond: Math.round(latencies.length / elapsed), succeeded, failed, p50Ms: ms(quantile(latencies, 0.5)), p99Ms: ms(quantile(latencies, 0.99)), maxMs: ms(Math.max(...latencies)) };
}

export async function run(): Promise<object> {
  const rates = (process.env.BENCH_COMMANDS_RATES ?? '50,200').split(',').map(Number);
  const seconds = Number(process.env.BENCH_COMMANDS_SECONDS ?? 10);
  const deviceCount = Number(process.env.BENCH_COMMANDS_DEVICES ?? 50);
  const partitions = 6;
  const settings = readConnectionSettings();
  const id = `bench-commands-${randomBytes(4).toString('hex')}`;
  const topics = { commands: `${id}.commands`, deviceMessages: `${id}.device-messages`, downlink: `${id}.downlink`, status: `${id}.status`, deadLetter: `${id}.deadletter` };
  const groupId = `${id}-group`;
  const schema = id.replace(/-/g, '_');
  const logger = componentLogger('bench-commands');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: id, logger });
  const admin = kafka.admin();
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
  const producer = kafka.producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${id}-devices`, maxWaitTimeInMs: 20, readUncommitted: false });
  let processor: ChildProcess | undefined;
  let api: ChildProcess | undefined;
  try {
    await admin.connect();
    await createTopicsAndWait(admin, [
      ...[topics.commands, topics.deviceMessages, topics.downlink].map((topic) => ({ topic, numPartitions: partitions })),
      { topic: topics.status, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: topics.deadLetter, numPartitions: 1 },
    ]);
    await migratedSchema(pool, schema);
    const token = (await createToken(registryOn(pool, schema), { tenant: 'bench', role: 'admin' })).token;

    // the devices: online, and answering every cmd/req at once
    const registry = createRegistryClient(settings);
    const messageCodec = new AvroCodec<DeviceMessage>(registry, valueSubject(topics.deviceMessages), avroSchemas.DeviceMessage);
    const downlinkCodec = new AvroCodec<DownlinkMessage>(registry, valueSubject(topics.downlink), avroSchemas.DownlinkMessage);
    await messageCodec.register();
    await producer.connect();
    const devices = Array.from({ length: deviceCount }, (_, i) => `dev${i}`);
    for (const device of devices) await addDevice(registryOn(pool, schema), { tenant: 'bench', site: 'site1', device });
    const message = (device: string, kind: DeviceMessage['kind'], subtopic: string, payload: string) => {
      const address = { tenant: 'bench', site: 'site1', device };
      const record: DeviceMessage = { ...address, kind, subtopic, payload: Buffer.from(payload), receivedAt: Date.now(), transport: 'mqtt', sourceTopic: null };
      return { key: deviceKey(address), value: messageCodec.encode(record) };
    };
    await producer.send({ topic: topics.deviceMessages, acks: -1, messages: devices.map((d) => message(d, 'status', 'status', 'online')) });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.downlink, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const answers = [];
        for (const m of batch.messages) {
          const request = await downlinkCodec.decode(m.value!);
          const [, , commandId] = request.subtopic.split('/');
          answers.push(message(request.device, 'command_ack', `cmd/ack/${commandId}`, ''), message(request.device, 'command_result', `cmd/res/${commandId}/succeeded`, '{"ok":true}'));
        }
        if (answers.length > 0) await producer.send({ topic: topics.deviceMessages, acks: -1, messages: answers });
      },
    });

    const common = { KAFKA_BROKERS: settings.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: settings.schemaRegistryUrl };
    const processorOps = await freePort();
    processor = spawnCli(['commands'], {
      ...common,
      OPS_PORT: String(processorOps),
      COMMANDS_COMMANDS_TOPIC: topics.commands,
      COMMANDS_DEVICE_MESSAGES_TOPIC: topics.deviceMessages,
      COMMANDS_DOWNLINK_TOPIC: topics.downlink,
      COMMANDS_COMMAND_STATUS_TOPIC: topics.status,
      COMMANDS_DEAD_LETTER_TOPIC: topics.deadLetter,
      COMMANDS_GROUP_ID: groupId,
      COMMANDS_INSTANCE_ID: 'bench',
    });
    const [apiPort, apiOps] = [await freePort(), await freePort()];
    api = spawnCli(['query-api'], {
      ...common,
      OPS_PORT: String(apiOps),
      QUERY_API_PORT: String(apiPort),
      QUERY_API_HOST: '127.0.0.1',
      QUERY_API_DATABASE_SCHEMA: schema,
      REGISTRY_DATABASE_SCHEMA: schema,
      QUERY_API_COMMANDS_TOPIC: topics.commands,
      QUERY_API_COMMAND_STATUS_TOPIC: topics.status,
      QUERY_API_COMMAND_DEVICE_RATE: '1000',
      QUERY_API_COMMAND_DEVICE_BURST: '1000',
      QUERY_API_COMMAND_CALLER_RATE: '100000',
      QUERY_API_COMMAND_CALLER_BURST: '100000',
      QUERY_API_COMMAND_MAX_IN_FLIGHT_PER_CALLER: '100000',
      QUERY_API_COMMAND_MAX_IN_FLIGHT_PER_DEVICE: '1000',
    });
    await waitReady(`http://127.0.0.1:${processorOps}/readyz`, processor, 'commands');
    await waitReady(`http://127.0.0.1:${apiOps}/readyz`, api, 'query-api');
    const base = `http://127.0.0.1:${apiPort}`;

    await loadAtRate(base, token, devices, 20, 2); // warm-up
    const results: RateResult[] = [];
    for (const rate of rates) {
      const result = await loadAtRate(base, token, devices, rate, seconds);
      results.push(result);
      console.error(`commands bench: ${rate}/s offered: ${result.answeredPerSecond}/s answered, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms, failed ${result.failed}`);
    }
    const file = await writeResult('commands', {
      parameters: { rates, secondsPerRate: seconds, devices: deviceCount, partitions, processors: 1, apiReplicas: 1, synchronous: true, device: 'played: ack and answer at once through Kafka, no MQTT' },
      repetitions: results as unknown as Record<string, unknown>[],
      medians: Object.fromEntries(results.map((r) => [`at${r.offeredPerSecond}PerSecond`, r])),
    });
    console.error(`commands bench: wrote ${file}`);
    return { results };
  } finally {
    await stop(api);
    await stop(processor);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [...Object.values(topics), topicNames.commandState(groupId)] }).catch(() => undefined);
    await admin.deleteGroups([groupId, `${id}-devices`]).catch(() => undefined);
    await admin.disconnect();
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end();
  }
}
