import { createKafka, kafkaConnection, producerDefaults, type KafkaConnectionOptions } from '../lib/kafka';
import type { Logger } from '../lib/logger';
import type { OpenedResources } from '../lib/opened-resources';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import { createRegistryClient, type RegistryConnection } from '../schemas/registry-client';
import { topicNames } from '../schemas/topics';
import type { DownlinkMessage, Measurement, Rollup } from '../schemas/types';
import { createDeadLetterWriter, type DeadLetterWriter } from './dead-letter-writer';

/** What a sink does with the records of one topic, and the codec that decodes them. */
export type SinkTarget =
  | { kind: 'measurements'; codec: AvroCodec<Measurement> }
  | { kind: 'rollups'; resolution: string; codec: AvroCodec<Rollup> }
  | { kind: 'downlink'; codec: AvroCodec<DownlinkMessage> };

export interface SinkInputOptions extends KafkaConnectionOptions, RegistryConnection {
  measurementsTopic: string;
  resolutions: string[];
  /** per resolution; absent ones use `fleet.rollups.<resolution>.v1` */
  rollupTopics: Record<string, string>;
  deadLetterTopic: string;
  /** Messages for devices, for a sink that keeps HTTP devices' mailboxes; none when absent. */
  downlinkTopic?: string;
}

/** A sink's Kafka side: the topics it consumes with their codecs, and where rejected records go. Its producer is closed with `opened`. */
export async function connectSinkInputs(component: string, options: SinkInputOptions, logger: Logger, opened: OpenedResources): Promise<{ kafka: ReturnType<typeof createKafka>; deadLetters: DeadLetterWriter; targets: Map<string, SinkTarget> }> {
  const registry = createRegistryClient(options);
  const kafka = createKafka({ ...kafkaConnection(options), clientId: `fleetstream-${component}`, logger });
  const producer = kafka.producer({ ...producerDefaults });
  opened.add('kafka producer', () => producer.disconnect());
  await producer.connect();
  const deadLetters = await createDeadLetterWriter({ producer, registry, topic: options.deadLetterTopic, source: component });
  const targets = new Map<string, SinkTarget>();
  targets.set(options.measurementsTopic, { kind: 'measurements', codec: new AvroCodec(registry, valueSubject(options.measurementsTopic), avroSchemas.Measurement) });
  for (const resolution of options.resolutions) {
    const topic = options.rollupTopics[resolution] ?? topicNames.rollups(resolution);
    targets.set(topic, { kind: 'rollups', resolution, codec: new AvroCodec(registry, valueSubject(topic), avroSchemas.Rollup) });
  }
  if (options.downlinkTopic) targets.set(options.downlinkTopic, { kind: 'downlink', codec: new AvroCodec(registry, valueSubject(options.downlinkTopic), avroSchemas.DownlinkMessage) });
  return { kafka, deadLetters, targets };
}
