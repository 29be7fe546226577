import type { ConnectionSettings } from '../../lib/config';
import { measureKafkaProducer, measureMosquitto, measurePostgresCopy, measureRedis } from './references';

/** The limits of the servers the whole pipeline leans on, each alone, measured in the benchmark's own run. */
export interface PipelineReferences {
  mosquittoMessagesPerSecond: number;
  kafkaRecordsPerSecond: number;
  postgresCopyRowsPerSecond: number;
  redisSetsPerSecond: number;
}

/**
 * Measures them (after the pipeline stopped: it would share the cores); null
 * when BENCH_REFERENCES=0, for a quick check of a benchmark, never for figures.
 */
export async function measurePipelineReferences(settings: ConnectionSettings, log: (line: string) => void): Promise<PipelineReferences | null> {
  if (process.env.BENCH_REFERENCES === '0') {
    log('references skipped (BENCH_REFERENCES=0)');
    return null;
  }
  log('references: Mosquitto, Kafka, PostgreSQL COPY, redis-benchmark');
  return {
    mosquittoMessagesPerSecond: (await measureMosquitto({ url: settings.mqttUrl, messages: 30_000, payloadBytes: 234 })).perSecond,
    kafkaRecordsPerSecond: (await measureKafkaProducer({ brokers: settings.kafkaBrokers, records: 300_000, recordSize: 149 })).perSecond,
    postgresCopyRowsPerSecond: (await measurePostgresCopy({ databaseUrl: settings.databaseUrl, rows: 200_000, target: 'table' })).perSecond,
    redisSetsPerSecond: (await measureRedis({ redisUrl: settings.redisUrl, requests: 500_000, pipeline: 1000 })).perSecond,
  };
}

/** One line for the printed results. */
export function referencesLine(references: PipelineReferences | null): string {
  if (!references) return 'references: not measured (BENCH_REFERENCES=0)';
  return `references (same run): Mosquitto ${Math.round(references.mosquittoMessagesPerSecond)} msg/s (x3 readings), Kafka ${Math.round(references.kafkaRecordsPerSecond)} records/s, COPY ${Math.round(references.postgresCopyRowsPerSecond)} rows/s, Redis ${Math.round(references.redisSetsPerSecond)} SET/s`;
}
