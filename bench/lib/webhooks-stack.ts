/**
 * The webhooks republisher as a process of its own on fresh topics, for the
 * webhook benchmarks: its source topics (the readings topic may be shared
 * with an alerts processor), tenant `bench` in a migrated schema, its
 * subscriptions made as the admin API makes them, its log lines counted.
 */
import type { ChildProcess } from 'node:child_process';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import type { ConnectionSettings } from '../../lib/config';
import { createTopicsAndWait } from '../../lib/create-topics';
import { SubscriptionStore } from '../../query-api/webhooks/subscription-store';
import { registryOn } from '../../registry';
import { benchTenant } from './alert-series';
import { startComponent } from './component-process';
import type { LogEventCounter } from './log-events';

export interface SourceTopics {
  measurements: string;
  rollup1m: string;
  rollup1h: string;
  rollup1d: string;
  commandStatus: string;
  alerts: string;
  deadLetter: string;
}

export function sourceTopics(id: string): SourceTopics {
  return {
    measurements: `${id}.measurements`,
    rollup1m: `${id}.rollups.1m`,
    rollup1h: `${id}.rollups.1h`,
    rollup1d: `${id}.rollups.1d`,
    commandStatus: `${id}.command-status`,
    alerts: `${id}.alerts`,
    deadLetter: `${id}.deadletter`,
  };
}

/** Every source topic with `partitions` (the dead-letter topic 1). */
export async function createSourceTopics(admin: Admin, topics: SourceTopics, partitions: number): Promise<void> {
  await createTopicsAndWait(admin, Object.entries(topics).map(([name, topic]) => ({ topic, numPartitions: name === 'deadLetter' ? 1 : partitions })));
}

/** Tenant `bench` in the registry of `schema`, and a store of its subscriptions. */
export async function benchSubscriptions(pool: Pool, schema: string): Promise<SubscriptionStore> {
  const registry = registryOn(pool, schema);
  await pool.query(`insert into ${registry.tables.tenants} (name, revision) values ($1, 1)`, [benchTenant]);
  return new SubscriptionStore(registry);
}

/** `fleetstream webhooks` on the topics, reading them from the beginning, allowed to post to 127.0.0.1; ready when this resolves. */
export function startWebhooksProcess(settings: ConnectionSettings, topics: SourceTopics, schema: string, groupId: string, counter: LogEventCounter, env: Record<string, string> = {}): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const own = {
    WEBHOOKS_MEASUREMENTS_TOPIC: topics.measurements,
    WEBHOOKS_ROLLUP_1M_TOPIC: topics.rollup1m,
    WEBHOOKS_ROLLUP_1H_TOPIC: topics.rollup1h,
    WEBHOOKS_ROLLUP_1D_TOPIC: topics.rollup1d,
    WEBHOOKS_COMMAND_STATUS_TOPIC: topics.commandStatus,
    WEBHOOKS_ALERTS_TOPIC: topics.alerts,
    WEBHOOKS_DEAD_LETTER_TOPIC: topics.deadLetter,
    WEBHOOKS_GROUP_ID: groupId,
    WEBHOOKS_NEW_GROUP_STARTS_AT: 'beginning',
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true',
  };
  return startComponent('webhooks', settings, schema, { ...own, ...env }, (chunk) => counter.chunk(chunk));
}
