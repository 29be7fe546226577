/**
 * The API's producer of per-device assignments (fleet.config-assignments.v1,
 * key = device): connected on first use, so the query API starts and serves
 * its reads while Kafka is away; a send that fails is KAFKA_UNAVAILABLE (503)
 * and the assignment it belonged to is rolled back.
 */
import type { Kafka, Producer } from 'kafkajs';
import { FleetstreamError } from '../../lib/errors';
import { producerDefaults } from '../../lib/kafka';
import { sendUnderBatchLimit } from '../../lib/send-under-batch-limit';
import { AvroCodec } from '../../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../../schemas/avro-schemas';
import { deviceKey } from '../../schemas/device-topics';
import type { RegistryClient } from '../../schemas/registry-client';
import type { ConfigAssignment } from '../../schemas/types';

export interface AssignmentPublisher {
  /** Produces the records, in order, acknowledged by every in-sync replica when it resolves. */
  send(records: ConfigAssignment[]): Promise<void>;
  close(): Promise<void>;
}

export function assignmentPublisher(kafka: () => Kafka, registryClient: RegistryClient, topic: string): AssignmentPublisher {
  const codec = new AvroCodec<ConfigAssignment>(registryClient, valueSubject(topic), avroSchemas.ConfigAssignment);
  let connecting: Promise<Producer> | undefined;
  const producer = (): Promise<Producer> =>
    (connecting ??= (async () => {
      await codec.register();
      const created = kafka().producer({ ...producerDefaults, idempotent: true, maxInFlightRequests: 1 });
      await created.connect();
      return created;
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));
  return {
    async send(records) {
      try {
        await sendUnderBatchLimit(await producer(), topic, records.map((record) => ({ key: deviceKey(record), value: codec.encode(record) })));
      } catch (error) {
        if (error instanceof FleetstreamError && !error.retriable) throw error;
        throw new FleetstreamError('KAFKA_UNAVAILABLE', `the assignment could not be written to ${topic}: ${(error as Error).message}; nothing was assigned, try again`, { cause: error });
      }
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending) await (await pending.catch(() => undefined))?.disconnect();
    },
  };
}
