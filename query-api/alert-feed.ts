/**
 * The alert events as they are committed, for live streams: one Kafka
 * consumer per API replica on the alerts topic (a group of its own, from the
 * topic's end, read_committed), started with the first watcher, fanned out
 * to watchers by path prefix.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../lib/logger';
import { AvroCodec } from '../schemas/avro-codec';
import { avroSchemas, valueSubject } from '../schemas/avro-schemas';
import type { RegistryClient } from '../schemas/registry-client';
import type { AlertEvent } from '../schemas/types';

export type AlertListener = (event: AlertEvent) => void;

export class AlertFeed {
  private readonly watchers = new Set<{ prefix: string; listener: AlertListener }>();
  private consumer: Consumer | undefined;
  private started: Promise<void> | undefined;
  private readonly codec: AvroCodec<AlertEvent>;

  constructor(private readonly config: { kafka: Kafka; registryClient: RegistryClient; topic: string; logger: Logger }) {
    this.codec = new AvroCodec<AlertEvent>(config.registryClient, valueSubject(config.topic), avroSchemas.AlertEvent);
  }

  /** Delivers the events under `prefix` committed from about now on; resolves once the feed's consumer has joined. Returns the unwatch. */
  async watch(prefix: string, listener: AlertListener): Promise<() => void> {
    const watcher = { prefix, listener };
    this.watchers.add(watcher);
    try {
      await this.start();
    } catch (error) {
      this.watchers.delete(watcher);
      throw error;
    }
    return () => this.watchers.delete(watcher);
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private start(): Promise<void> {
    this.started ??= this.connect().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  private async connect(): Promise<void> {
    const { config } = this;
    const consumer = config.kafka.consumer({ groupId: `fleetstream-query-api-alerts-${randomUUID()}`, maxWaitTimeInMs: 100, readUncommitted: false });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [config.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (!message.value || this.watchers.size === 0) return;
        let event: AlertEvent;
        try {
          event = await this.codec.decode(message.value);
        } catch (error) {
          config.logger.warn({ event: 'alert_event_undecodable', offset: message.offset, err: error }, 'an alert event does not decode; not streamed');
          return;
        }
        for (const watcher of this.watchers) if (event.path.startsWith(watcher.prefix)) watcher.listener(event);
      },
    });
    await joined;
  }
}
