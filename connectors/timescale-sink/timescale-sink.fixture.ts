/** Shared by the timescale-sink tests: options for fresh resources, and reading back what the sink stored. */
import type { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { componentLogger } from '../../lib/logger';
import type { Measurement } from '../../schemas/types';
import { freshDatabaseSchema, onCleanup, testSettings } from '../../test/factories';
import { reading, type SinkTopics } from '../../test/sink-records';
import { start } from './index';

export const resolutions = ['1m', '1h'];
export const t0 = Date.UTC(2024, 0, 1);

export function sinkOptions(topics: SinkTopics, schema: string, groupId: string) {
  const settings = testSettings();
  return {
    kafkaBrokers: settings.kafkaBrokers, schemaRegistryUrl: settings.schemaRegistryUrl, databaseUrl: settings.databaseUrl,
    schema, resolutions, groupId, measurementsTopic: topics.measurements, rollupTopics: topics.rollups, deadLetterTopic: topics.deadLetter,
    retryInitial: '100ms', retryMax: '1s',
    lastSeenGranularity: '0s', // exact last_seen, whatever the batching (series-cache.test.ts covers the default)
  };
}

export async function startSink(options: ReturnType<typeof sinkOptions>): Promise<RunningComponent> {
  const sink = await start(options, componentLogger('timescale-sink-test'));
  onCleanup(() => sink.stop().catch(() => undefined));
  return sink;
}

export function readings(paths: number, perPath: number, from = 0): Measurement[] {
  const out: Measurement[] = [];
  for (let p = 0; p < paths; p++) for (let i = from; i < from + perPath; i++) out.push(reading(`/acme/plant${p % 2}/m${p}/kwh`, t0 + i * 1000, i * 1.5));
  return out;
}

export async function rawRows(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ r: string }>(`select path || '@' || (extract(epoch from time) * 1000)::bigint || '=' || value as r from measurements order by path, time`);
  return rows.map((row) => row.r);
}

export const expectedRaw = (ms: Measurement[]) => [...new Set(ms.map((m) => `${m.path}@${m.timestamp}=${m.value}`))].sort();

export async function countOf(pool: Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(rows[0]!.n);
}

/** A fresh schema whose pool outlives a server restart: an idle connection the restart drops is only logged. */
export async function freshSchema(): Promise<{ pool: Pool; schema: string }> {
  const db = await freshDatabaseSchema();
  db.pool.on('error', () => undefined);
  return db;
}

