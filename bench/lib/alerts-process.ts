/**
 * The alerts processor as a process of its own (`fleetstream alerts`), for the
 * alert benchmarks: its topics, its rules in `schema`, its log lines counted
 * at LOG_LEVEL debug, where lib/kafka.ts puts kafkajs's retried
 * CONCURRENT_TRANSACTIONS answers (the processor logs nothing else there).
 */

/** What the counter should look for in the processor's lines. */
export const transactionWords = { concurrentTransactions: 'CONCURRENT_TRANSACTIONS', concurrentOperation: 'another concurrent operation on the same transaction' };
import type { ChildProcess } from 'node:child_process';
import type { ConnectionSettings } from '../../lib/config';
import { startComponent } from './component-process';
import type { LogEventCounter } from './log-events';

export interface AlertsProcessTopics {
  measurements: string;
  /** `<prefix>.{resolution}`: the 1m topic must exist, partitioned as the readings */
  rollupTemplate: string;
  alerts: string;
  state: string;
  deadLetter: string;
}

/** Started and ready (its partitions assigned, its states read back) when this resolves. */
export function startAlertsProcess(settings: ConnectionSettings, topics: AlertsProcessTopics, schema: string, groupId: string, counter: LogEventCounter): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const env = {
    LOG_LEVEL: 'debug',
    ALERTS_MEASUREMENTS_TOPIC: topics.measurements,
    ALERTS_RESOLUTIONS: '1m',
    ALERTS_ROLLUP_TOPIC_TEMPLATE: topics.rollupTemplate,
    ALERTS_ALERTS_TOPIC: topics.alerts,
    ALERTS_STATE_TOPIC: topics.state,
    ALERTS_DEAD_LETTER_TOPIC: topics.deadLetter,
    ALERTS_GROUP_ID: groupId,
    ALERTS_INSTANCE_ID: 'bench',
  };
  return startComponent('alerts', settings, schema, env, (chunk) => counter.chunk(chunk));
}
