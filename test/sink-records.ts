/** Test support for the sink connectors: fresh topics with registered codecs, records to produce, consumer-group progress. */
import type { ChildProcess } from 'node:child_process';
import type { Producer } from 'kafkajs';
import { producerDefaults } from '../lib/kafka';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient } from '../schemas/registry-client';
import type { DeadLetter, Measurement, Rollup } from '../schemas/types';
import { spawnComponent } from './cli-process';
import { componentEnvironment } from './component-environment';
import { rollupsGroupOf } from '../sink-kit/sink-consumers';
import { eventually, freshGroupId, freshTopic, onCleanup, testKafka, testSettings } from './factories';

// the registry keeps its schemas in PostgreSQL, which the timescale-sink's restart test restarts: registration waits it out
const register = (codec: AvroCodec<unknown>) => eventually(() => codec.register(), `registering ${codec.subject}`, 30000, 200);

export interface SinkTopics {
  measurements: string;
  rollups: Record<string, string>;
  deadLetter: string;
  measurementCodec: AvroCodec<Measurement>;
  rollupCodecs: Record<string, AvroCodec<Rollup>>;
  deadLetterCodec: AvroCodec<DeadLetter>;
  producer: Producer;
}

export async function freshSinkTopics(resolutions: string[], partitions = 2): Promise<SinkTopics> {
  const registry = createRegistryClient(testSettings().schemaRegistryUrl);
  const measurements = await freshTopic({ prefix: 'test.measurements', partitions });
  const deadLetter = await freshTopic({ prefix: 'test.deadletter' });
  const rollups: Record<string, string> = {};
  const rollupCodecs: Record<string, AvroCodec<Rollup>> = {};
  for (const r of resolutions) {
    rollups[r] = await freshTopic({ prefix: `test.rollups.${r}`, partitions });
    rollupCodecs[r] = new AvroCodec<Rollup>(registry, valueSubject(rollups[r]!), avroSchemas.Rollup);
    await register(rollupCodecs[r] as AvroCodec<unknown>);
  }
  const measurementCodec = new AvroCodec<Measurement>(registry, valueSubject(measurements), avroSchemas.Measurement);
  await register(measurementCodec as AvroCodec<unknown>);
  const deadLetterCodec = new AvroCodec<DeadLetter>(registry, valueSubject(deadLetter), avroSchemas.DeadLetter);
  const producer = testKafka().producer({ ...producerDefaults });
  await producer.connect();
  onCleanup(() => producer.disconnect());
  return { measurements, rollups, deadLetter, measurementCodec, rollupCodecs, deadLetterCodec, producer };
}

export function reading(path: string, timestamp: number, value: number): Measurement {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return { path, tenant, site, device, metric, kind: 'energy', timestamp, value, unit: 'kWh', tags: {}, receivedAt: timestamp + 7, sourceTopic: null };
}

export function rollup(path: string, resolution: string, windowStart: number, count: number, final: boolean): Rollup {
  const [, tenant = '', site = '', device = '', metric = ''] = path.split('/');
  return {
    path, tenant, site, device, metric, kind: 'energy', resolution, windowStart, windowEnd: windowStart + 60_000, count,
    sum: count * 10, min: 1, max: count, first: 1, firstTime: windowStart, last: count, lastTime: windowStart + 1000, delta: count - 1,
    resets: 0, final, revision: count * 2 + (final ? 1 : 0), computedAt: windowStart + 61_000,
  };
}

export async function produceMeasurements(t: SinkTopics, readings: Measurement[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 4000) {
    await t.producer.send({ topic: t.measurements, acks: -1, messages: readings.slice(i, i + 4000).map((m) => ({ key: m.path, value: t.measurementCodec.encode(m) })) });
  }
}

export async function produceRollups(t: SinkTopics, resolution: string, rollups: Rollup[]): Promise<void> {
  const codec = t.rollupCodecs[resolution]!;
  await t.producer.send({
    topic: t.rollups[resolution]!, acks: -1,
    messages: rollups.map((r) => ({ key: `${r.path}@${r.windowStart}`, value: codec.encode(r) })),
  });
}

/** Whether a sink in consumer group `groupId` has committed everything of `measurements`, and of `rollups` in its rollups group (sink-kit/sink-consumers.ts). */
export async function sinkCaughtUp(groupId: string, measurements: string[], rollups: string[]): Promise<boolean> {
  return (await groupCaughtUp(groupId, measurements)) && (await groupCaughtUp(rollupsGroupOf(groupId), rollups));
}

/** Whether a consumer group has committed offsets up to the end of every partition of the topics. */
export async function groupCaughtUp(groupId: string, topics: string[]): Promise<boolean> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        if (end.high !== '0' && at !== end.high) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

/** Whether a consumer group has committed an offset for every partition of `topic` (on an empty topic too, where `groupCaughtUp` holds from the start). */
export async function groupHasOffsets(groupId: string, topic: string): Promise<boolean> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed!.partitions.every((p) => p.offset !== '-1');
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts `fleetstream <component>` as a child process from the TypeScript sources (compiled on
 * require by test/swc-register.js), so a test can SIGKILL it, with these options set as its
 * variables (`{ groupId }` -> `REDIS_SINK_GROUP_ID`).
 */
export function spawnWithOptions(component: string, options: Record<string, string>): ChildProcess {
  return spawnComponent(component, { LOG_LEVEL: process.env.SINK_TEST_LOG_LEVEL ?? 'warn', ...componentEnvironment(component, options) }).child;
}

/** The values of the first `count` records of a topic, read from the beginning. */
export async function readRecords(topic: string, count: number): Promise<Buffer[]> {
  const consumer = testKafka().consumer({ groupId: freshGroupId() });
  await consumer.connect();
  onCleanup(() => consumer.disconnect());
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const values: Buffer[] = [];
  await consumer.run({ eachMessage: async ({ message }) => { if (message.value) values.push(message.value); } });
  return eventually(() => (values.length >= count ? values : undefined), `${count} records on ${topic}`);
}
