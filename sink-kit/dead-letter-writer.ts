import type { KafkaMessage, Producer } from 'kafkajs';
import { AvroCodec } from '../schemas/avro-codec';
import { consumedRecordRejection, deadLetterMessage } from '../schemas/dead-letter';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import type { DeadLetterReason } from '../schemas/dead-letter-reason';
import type { RegistryClient } from '../schemas/registry-client';
import { FleetstreamError } from '../lib/errors';
import type { DeadLetter } from '../schemas/types';

export interface DeadLetterWriter {
  send(records: { topic: string; partition: number; message: KafkaMessage; reason: DeadLetterReason; error: Error }[]): Promise<void>;
}

/** Writes rejected Kafka records, original bytes kept, to the dead-letter topic (acks=all, awaited before any commit). */
export async function createDeadLetterWriter(options: { producer: Producer; registry: RegistryClient; topic: string; source: string }): Promise<DeadLetterWriter> {
  const codec = new AvroCodec<DeadLetter>(options.registry, valueSubject(options.topic), avroSchemas.DeadLetter);
  await codec.register();
  return {
    async send(records) {
      if (records.length === 0) return;
      await options.producer.send({
        topic: options.topic,
        acks: -1,
        messages: records.map(({ topic, partition, message, reason, error }) =>
          deadLetterMessage(codec, consumedRecordRejection(options.source, reason, error.message, { topic, partition, message }, Date.now())),
        ),
      });
    },
  };
}

/** A decoding failure that retrying cannot fix: not the wire format, a corrupt body, or a schema id the registry does not know. */
export function isUndecodable(error: unknown): boolean {
  return error instanceof FleetstreamError && (error.code === 'RECORD_UNDECODABLE' || error.code === 'REGISTRY_REJECTED');
}
