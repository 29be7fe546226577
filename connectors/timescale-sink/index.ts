import type { Batch } from 'kafkajs';
import { Pool } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { componentLogger, type Logger } from '../../lib/logger';
import { FleetstreamError } from '../../lib/errors';
import type { Measurement, Rollup } from '../../schemas/types';
import { startBatchConsumer } from '../sink-kit/batch-consumer';
import { connectSinkInputs, type SinkTarget } from '../sink-kit/sink-inputs';
import type { DeadLetterWriter } from '../sink-kit/dead-letter-writer';
import { decodeBatch, sendRejected } from '../sink-kit/decode-batch';
import { runMigrations, type MigrateResult } from './migrate';
import { parseTimescaleSinkOptions, type TimescaleSinkOptions } from './options';
import { rollupTable } from './resolution';
import { createSinkMetrics, type SinkMetrics } from '../sink-kit/sink-metrics';
import { RollupWindowCache } from './rollup-window-cache';
import { SeriesCache } from './series-cache';
import { writeMeasurements, writeRollups } from './writer';

/** Applies the migrations and policies (`fleetstream migrate`), then returns. */
export async function migrate(input: unknown, logger: Logger = componentLogger('migrate')): Promise<MigrateResult> {
  const options = parseTimescaleSinkOptions(input);
  const pool = new Pool({ connectionString: options.databaseUrl, max: 1 });
  try {
    return await migrateWith(pool, options, logger);
  } finally {
    await pool.end();
  }
}

async function migrateWith(pool: Pool, options: TimescaleSinkOptions, logger: Logger): Promise<MigrateResult> {
  const client = await pool.connect().catch((error: unknown) => {
    throw new FleetstreamError('DATABASE_UNAVAILABLE', `cannot reach PostgreSQL (check DATABASE_URL): ${(error as Error).message}`, { cause: error });
  });
  try {
    return await runMigrations(client, { schema: options.schema, resolutions: options.resolutions, timescaleOptions: options.timescale }, logger);
  } finally {
    client.release();
  }
}

/**
 * The TimescaleDB sink: raw measurements and every rollup resolution into
 * PostgreSQL, one transaction per Kafka batch, offsets committed after it.
 */
export function start(input: unknown, logger: Logger = componentLogger('timescale-sink')): Promise<RunningComponent> {
  return closeOnFailure(logger, (opened) => startWith(input, logger, opened));
}

async function startWith(input: unknown, logger: Logger, opened: OpenedResources): Promise<RunningComponent> {
  const options = parseTimescaleSinkOptions(input);
  const metrics = createSinkMetrics('timescale-sink', 'fleetstream_timescale_sink');
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  opened.add('postgresql pool', () => pool.end());
  // an idle connection dropped by a server restart: the next query reconnects
  pool.on('error', (error) => logger.warn({ event: 'database_connection_lost', error: error.message }, 'idle PostgreSQL connection lost'));
  if (options.migrateOnStart) await migrateWith(pool, options, logger);

  const { kafka, deadLetters, targets } = await connectSinkInputs('timescale-sink', options, logger, opened);

  const seriesCache = new SeriesCache(options.lastSeenGranularityMs);
  const rollupWindows = new Map(options.resolutions.map((r) => [r, new RollupWindowCache()]));

  const consumer = await startBatchConsumer({
    ...options, // the consumer loop's options (connectors/sink-kit/sink-options.ts)
    kafka,
    topics: [...targets.keys()],
    logger,
    metrics,
    write: (batch) => writeBatch(batch, targets.get(batch.topic)!, { pool, options, deadLetters, metrics, seriesCache, rollupWindows }),
  });
  opened.add('kafka consumer', () => consumer.stop());
  logger.info({ event: 'timescale_sink_consuming', topics: [...targets.keys()], schema: options.schema, writeMethod: options.writeMethod }, 'consuming');

  return {
    metrics: metrics.registry,
    ready: () => consumer.ready(),
    failed: consumer.failed,
    stop: () => opened.close(),
  };
}

async function writeBatch(
  batch: Batch,
  target: SinkTarget,
  deps: { pool: Pool; options: TimescaleSinkOptions; deadLetters: DeadLetterWriter; metrics: SinkMetrics; seriesCache: SeriesCache; rollupWindows: Map<string, RollupWindowCache> },
): Promise<void> {
  const { pool, options, metrics } = deps;
  // two calls, one per record type, so each result keeps its type
  const decoded = target.kind === 'measurements' ? await decodeBatch(batch, target.codec) : await decodeBatch(batch, target.codec);
  if (decoded.values.length > 0) {
    const client = await pool.connect();
    let broken = false;
    // a checked-out client has no pool listener: without this, a server restart between two
    // statements is an unhandled 'error' event that ends the process; the next statement fails instead
    const onConnectionError = (): void => {
      broken = true;
    };
    client.on('error', onConnectionError);
    try {
      await client.query('begin');
      if (target.kind === 'measurements') {
        const written = await writeMeasurements(client, options.schema, decoded.values as Measurement[], options.writeMethod, deps.seriesCache);
        await client.query('commit');
        written.committed();
        metrics.rowsWritten.inc({ target: 'measurements' }, written.rows);
      } else {
        const written = await writeRollups(client, options.schema, target.resolution, decoded.values as Rollup[], deps.rollupWindows.get(target.resolution));
        await client.query('commit');
        written.committed();
        metrics.rowsWritten.inc({ target: rollupTable(target.resolution) }, written.rows);
      }
    } catch (error) {
      broken = true;
      await client.query('rollback').catch(() => undefined);
      throw new FleetstreamError('DATABASE_UNAVAILABLE', `writing ${batch.messages.length} records of ${batch.topic} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      client.off('error', onConnectionError);
      // a connection that failed mid-transaction is discarded, not reused
      client.release(broken);
    }
  }
  await sendRejected(decoded.rejected, deps.deadLetters, metrics);
}
