/**
 * The shadow processor with 10,000 devices: updates/s through the pure core
 * alone (shadowStep, in process, one core), and through Kafka: devices'
 * updates (a reported value each, as firmware reports after a reading)
 * pre-produced to a fresh device-messages topic, then the processor from
 * start() until its group has committed them all, each applied in a
 * transaction with its new shadow, its update/accepted answer and the
 * offsets; beside it, a plain consumer reading the same records.
 *
 * Run: `eval "$(make -s env)" && node -r ./test/swc-register.js bench/run.ts shadow`
 */
import type { Admin } from 'kafkajs';
import { readConnectionSettings } from '../lib/config';
import { createTopicsAndWait } from '../lib/create-topics';
import { createKafka, producerDefaults } from '../lib/kafka';
import { componentLogger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { deviceKey } from '../schemas/device-topics';
import { createRegistryClient } from '../schemas/registry-client';
import type { DeviceMessage } from '../schemas/types';
import { start } from '../stream-processors/shadow';
import { absentShadow, type Shadow } from '../stream-processors/shadow/shadow-document';
import { defaultShadowLimits } from '../stream-processors/shadow/shadow-limits';
import { shadowStep } from '../stream-processors/shadow/shadow-step';
import { groupLag } from './lib/group-lag';
import { plainConsumerRate } from './lib/plain-consumer';
import { benchProgress } from './lib/progress';
import { writeResult } from './lib/results';
import { summarize } from './lib/stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DEVICES = env('SHADOW_BENCH_DEVICES', 10_000);
const UPDATES = env('SHADOW_BENCH_UPDATES', 50_000);
const CORE_UPDATES = env('SHADOW_BENCH_CORE_UPDATES', 200_000);
const REPS = env('SHADOW_BENCH_REPS', 2);
const PARTITIONS = 6;
const BATCH = 1000;
const log = benchProgress('shadow');

const address = (i: number) => ({ tenant: 'bench', site: `site${i % 20}`, device: `dev${i}` });

/** The i-th update: device i mod DEVICES reports a reading and its counter; every tenth also changes desired. */
function updateBody(i: number): object {
  const reported = { temperature: 20 + (i % 100) / 10, uptime: i, firmware: { version: '1.4.2', channel: 'stable' } };
  return i % 10 === 0 ? { state: { reported, desired: { interval: 30 + (i % 3) * 30 } } } : { state: { reported } };
}

/** Updates/s of shadowStep alone over DEVICES devices. */
function core(): number {
  const shadows: Shadow[] = Array.from({ length: DEVICES }, () => absentShadow());
  const payloads = Array.from({ length: 1000 }, (_, i) => Buffer.from(JSON.stringify(updateBody(i))));
  const started = performance.now();
  for (let i = 0; i < CORE_UPDATES; i++) {
    const d = i % DEVICES;
    const step = shadowStep(shadows[d]!, { from: 'device', operation: 'update', payload: payloads[i % payloads.length]! }, i, defaultShadowLimits);
    if (step.changed) shadows[d] = step.changed;
  }
  return CORE_UPDATES / ((performance.now() - started) / 1000);
}

async function createTopics(admin: Admin, topics: { topic: string; partitions: number; compact?: boolean }[]): Promise<void> {
  await createTopicsAndWait(admin, topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configEntries: t.compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [] })));
}

export async function run(): Promise<object> {
  const settings = readConnectionSettings();
  const logger = componentLogger('shadow-bench');
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: 'bench-shadow', logger });
  const admin = kafka.admin();
  await admin.connect();
  const runId = `bench-shadow-${Date.now().toString(36)}`;
  const created: string[] = [];
  try {
    log(`in process: ${CORE_UPDATES} updates over ${DEVICES} devices`);
    const coreRates = Array.from({ length: REPS }, () => core());

    const topic = (name: string) => `${runId}.${name}`;
    const topics = { deviceMessagesTopic: topic('device-messages'), requestsTopic: topic('requests'), shadowsTopic: topic('shadows'), resultsTopic: topic('results'), downlinkTopic: topic('downlink'), deadLetterTopic: topic('deadletter') };
    await createTopics(admin, [
      ...[topics.deviceMessagesTopic, topics.requestsTopic, topics.resultsTopic, topics.downlinkTopic].map((t) => ({ topic: t, partitions: PARTITIONS })),
      { topic: topics.shadowsTopic, partitions: PARTITIONS, compact: true },
      { topic: topics.deadLetterTopic, partitions: 1 },
    ]);
    created.push(...Object.values(topics));
    const codec = new AvroCodec<DeviceMessage>(createRegistryClient(settings.schemaRegistryUrl), valueSubject(topics.deviceMessagesTopic), avroSchemas.DeviceMessage);
    await codec.register();
    const producer = kafka.producer({ ...producerDefaults, idempotent: true });
    await producer.connect();
    log(`producing ${UPDATES} updates of ${DEVICES} devices`);
    for (let i = 0; i < UPDATES; i += BATCH) {
      const messages = Array.from({ length: Math.min(BATCH, UPDATES - i) }, (_, j) => {
        const a = address((i + j) % DEVICES);
        const message: DeviceMessage = { ...a, kind: 'shadow_request', subtopic: 'shadow/update', payload: Buffer.from(JSON.stringify(updateBody(i + j))), receivedAt: Date.now(), transport: 'mqtt', sourceTopic: null };
        return { key: deviceKey(a), value: codec.encode(message) };
      });
      await producer.send({ topic: topics.deviceMessagesTopic, acks: -1, messages });
    }
    await producer.disconnect();

    const kafkaRuns: { updatesPerSecond: number; seconds: number }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      // each run a group and shadows topic of its own: from nothing, every update applied
      const shadowsTopic = `${topics.shadowsTopic}-${rep}`;
      await createTopics(admin, [{ topic: shadowsTopic, partitions: PARTITIONS, compact: true }]);
      created.push(shadowsTopic);
      const groupId = `${runId}-group-${rep}`;
      log(`through Kafka: run ${rep + 1} of ${REPS}`);
      const started = performance.now();
      const processor = await start({ kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, ...topics, shadowsTopic, groupId, instanceId: `bench-${rep}`, logger });
      for (;;) {
        const lag = await groupLag(admin, groupId, [topics.deviceMessagesTopic]);
        if (lag === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const seconds = (performance.now() - started) / 1000;
      await processor.stop();
      kafkaRuns.push({ updatesPerSecond: UPDATES / seconds, seconds });
      log(`run ${rep + 1}: ${(UPDATES / seconds).toFixed(0)} updates/s`);
    }
    const plainConsumer = await plainConsumerRate(kafka, topics.deviceMessagesTopic, UPDATES, `bench-shadow-ref-${runId}`);

    const report = {
      parameters: { devices: DEVICES, updates: UPDATES, coreUpdates: CORE_UPDATES, partitions: PARTITIONS, repetitions: REPS, update: 'a reported temperature, uptime and firmware object; every tenth also a desired interval' },
      repetitions: { core: coreRates.map((updatesPerSecond) => ({ updatesPerSecond })), kafka: kafkaRuns },
      medians: {
        coreUpdatesPerSecond: summarize(coreRates).median,
        kafkaUpdatesPerSecond: summarize(kafkaRuns.map((r) => r.updatesPerSecond)).median,
        plainConsumerRecordsPerSecond: plainConsumer,
      },
      notes: 'through Kafka: from start() (joining the group, reading back an empty shadows topic) until the group committed every update; one transaction per fetched batch of a partition',
    };
    const file = await writeResult('shadow', report, { settings });
    log(`written ${file}`);
    return report.medians;
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
}
