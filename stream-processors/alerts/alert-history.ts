/**
 * The alert history: every event of the alerts topic, as read_committed
 * readers see it, one row each in PostgreSQL (`alert_events`), by a consumer
 * group of its own (`<groupId>-history`). At least once: offsets are
 * committed after the rows are written, and a row already there is kept
 * (its key is the alarm, the transition and the event time), so a replay
 * changes nothing. A record that does not decode is logged and skipped:
 * the history is a copy, the topic keeps the original.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { stoppedForGood } from '../../lib/consumer-stopped';
import { idleFetchWaitMs } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { databaseError } from '../../lib/pg-error-class';
import { retryUntilDone } from '../../lib/retry';
import { alertEventsTable, qualified } from '../../schemas/tables';
import type { AlertEvent } from '../../schemas/types';

export interface AlertHistoryConfig {
  kafka: Kafka;
  pool: Pool;
  schema: string;
  topic: string;
  groupId: string;
  logger: Logger;
  decode(value: Buffer): Promise<AlertEvent>;
  /** Called once the consumer stopped for good. */
  onFailed(error: Error): void;
}

/** The columns of `alert_events`, in the order `historyColumns` gives their arrays. */
const columns = ['alarm_id', 'transition', 'event_time', 'tenant', 'rule_id', 'path', 'from_status', 'to_status', 'severity', 'previous_severity', 'value', 'reads', 'episode_start', 'labels', 'emitted_at'] as const;
const types = ['text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'text', 'timestamptz', 'jsonb', 'timestamptz'];

/** One array per column (`unnest` takes them as 15 parameters however many rows). Pure. */
export function historyColumns(events: readonly AlertEvent[]): unknown[][] {
  const iso = (ms: number) => new Date(Number(ms)).toISOString();
  return [
    events.map((e) => e.alarmId),
    events.map((e) => e.transition),
    events.map((e) => iso(e.eventTime)),
    events.map((e) => e.tenant),
    events.map((e) => e.ruleId),
    events.map((e) => e.path),
    events.map((e) => e.from),
    events.map((e) => e.to),
    events.map((e) => e.severity),
    events.map((e) => e.previousSeverity),
    events.map((e) => e.value),
    events.map((e) => e.reads),
    events.map((e) => iso(e.episodeStart)),
    events.map((e) => JSON.stringify(e.labels)),
    events.map((e) => iso(e.emittedAt)),
  ];
}

export class AlertHistory {
  private consumer: Consumer | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly config: AlertHistoryConfig) {}

  async start(): Promise<void> {
    const { config } = this;
    const table = qualified(config.schema, alertEventsTable);
    const insert = `insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) on conflict do nothing`;
    const consumer = config.kafka.consumer({ groupId: config.groupId, maxWaitTimeInMs: idleFetchWaitMs, readUncommitted: false });
    this.consumer = consumer;
    await consumer.connect();
    void stoppedForGood(consumer).then((error) => config.onFailed(error));
    await consumer.subscribe({ topics: [config.topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const events: AlertEvent[] = [];
        for (const message of batch.messages) {
          if (!message.value) continue;
          try {
            events.push(await config.decode(message.value));
          } catch (error) {
            if ((error as { retriable?: boolean }).retriable === true) throw error;
            config.logger.error({ event: 'alert_event_undecodable', partition: batch.partition, offset: message.offset, err: error }, 'an alert event does not decode: left out of the history');
          }
        }
        if (events.length === 0) return;
        await retryUntilDone(
          async () => {
            try {
              await config.pool.query(insert, historyColumns(events));
            } catch (error) {
              throw databaseError(error, 'writing the alert history');
            }
          },
          { signal: this.stopping.signal, onRetry: (error, attempt, delayMs) => config.logger.warn({ event: 'retrying', what: 'alert history', attempt, delayMs, err: error }, 'retrying') },
        );
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
  }
}
