/**
 * The alert history: every event of the alerts topic, one row each in
 * PostgreSQL (`alert_events`), by a consumer group of its own
 * (`<groupId>-history`; lib/history-consumer.ts). A row already there is
 * kept (its key is the alarm, the transition and the event time), so a
 * replay changes nothing.
 */
import { HistoryConsumer, type TableHistoryConfig } from '../../lib/history-consumer';
import { databaseError } from '../../lib/pg-error-class';
import { alertEventsTable, qualified } from '../../schemas/tables';
import type { AlertEvent } from '../../schemas/types';

export type AlertHistoryConfig = TableHistoryConfig<AlertEvent>;

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
  private readonly consumer: HistoryConsumer<AlertEvent>;

  constructor(config: AlertHistoryConfig) {
    const table = qualified(config.schema, alertEventsTable);
    const insert = `insert into ${table} (${columns.join(', ')}) select * from unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) on conflict do nothing`;
    this.consumer = new HistoryConsumer<AlertEvent>({
      ...config,
      what: 'alert history',
      write: async (events) => {
        try {
          await config.pool.query(insert, historyColumns(events));
        } catch (error) {
          throw databaseError(error, 'writing the alert history');
        }
      },
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
