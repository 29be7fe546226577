import { AvroDeserializer, SerdeType } from '@confluentinc/schemaregistry';
import type { Consumer } from 'kafkajs';
import { createRegistryClient } from '../schemas/registry-client';
import { eventually, freshGroupId, onCleanup, testKafka, testSettings } from './factories';

export interface ReadRecord<T> {
  key: string | null;
  value: T;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning, as any consumer would: a plain kafkajs
 * consumer, values decoded by the official Confluent deserializer with the
 * registry (a tombstone's null value stays null). Stopped after the file's tests.
 */
export class TopicReader<T = Record<string, unknown>> {
  readonly records: ReadRecord<T>[] = [];

  private constructor(private readonly consumer: Consumer) {}

  /** `raw`: values as the bytes they are, for topics that are not Avro. */
  static async start<T = Record<string, unknown>>(topic: string, options: { raw?: boolean } = {}): Promise<TopicReader<T>> {
    const consumer = testKafka().consumer({ groupId: freshGroupId(), maxWaitTimeInMs: 100 });
    await consumer.connect();
    onCleanup(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const reader = new TopicReader<T>(consumer);
    const deserializer = new AvroDeserializer(createRegistryClient(testSettings().schemaRegistryUrl), SerdeType.VALUE, {});
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        // a tombstone (a compacted topic's deleted key, a restore marker) has no value to deserialize
        const value = options.raw || message.value === null ? message.value : await deserializer.deserialize(topic, message.value);
        reader.records.push({ key: message.key?.toString() ?? null, value: value as T, headers });
      },
    });
    return reader;
  }

  /** Waits until at least `count` records arrived. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ReadRecord<T>[]> {
    return eventually(() => (this.records.length >= count ? this.records : undefined), `${count} records (have ${this.records.length})`, timeoutMs);
  }
}
