/**
 * A consumer group that copies a topic into PostgreSQL (the alert history,
 * the automation runs), as read_committed readers see it. At least once:
 * offsets are committed after `write` resolves, and `write` must make a
 * replay change nothing (its rows keyed so that a second insert is ignored
 * or merged). A record that does not decode is logged and skipped: the
 * history is a copy, the topic keeps the original.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { stoppedForGood } from './consumer-stopped';
import { idleFetchWaitMs } from './kafka';
import type { Logger } from './logger';
import { retryUntilDone } from './retry';

export interface HistoryConsumerConfig<T> {
  kafka: Kafka;
  topic: string;
  groupId: string;
  logger: Logger;
  /** names the history in log lines ("alert history") */
  what: string;
  /** the record's item, or undefined to leave it out */
  decode(value: Buffer): Promise<T | undefined>;
  /** writes a batch's items; retried while it throws a retriable error */
  write(items: T[]): Promise<void>;
  /** Called once the consumer stopped for good. */
  onFailed(error: Error): void;
}

/** What a history of one table takes: the consumer's settings, the pool and schema its `write` uses, a decoder of every record. */
export type TableHistoryConfig<T> = Omit<HistoryConsumerConfig<T>, 'what' | 'write' | 'decode'> & { pool: Pool; schema: string; decode(value: Buffer): Promise<T> };

export class HistoryConsumer<T> {
  private consumer: Consumer | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly config: HistoryConsumerConfig<T>) {}

  async start(): Promise<void> {
    const { config } = this;
    const consumer = config.kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: idleFetchWaitMs, readUncommitted: false });
    this.consumer = consumer;
    await consumer.connect();
    void stoppedForGood(consumer).then((error) => config.onFailed(error));
    await consumer.subscribe({ topics: [config.topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const items: T[] = [];
        for (const message of batch.messages) {
          if (!message.value) continue;
          try {
            const item = await config.decode(message.value);
            if (item !== undefined) items.push(item);
          } catch (error) {
            if ((error as { retriable?: boolean }).retriable === true) throw error;
            config.logger.error({ event: 'history_record_undecodable', topic: config.topic, partition: batch.partition, offset: message.offset, err: error }, `a record does not decode: left out of the ${config.what}`);
          }
        }
        if (items.length === 0) return;
        await retryUntilDone(() => config.write(items), {
          signal: this.stopping.signal,
          onRetry: (error, attempt, delayMs) => config.logger.warn({ event: 'retrying', what: config.what, attempt, delayMs, err: error }, 'retrying'),
        });
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
  }
}
