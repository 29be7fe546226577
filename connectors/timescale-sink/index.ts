import type { Batch } from 'kafkajs';
import { Pool, type PoolClient } from 'pg';
import type { RunningComponent } from '../../lib/component';
import { closeOnFailure, type OpenedResources } from '../../lib/opened-resources';
import { componentLogger, type Logger } from '../../lib/logger';
import { FleetstreamError } from '../../lib/errors';
import { rollupTable } from '../../schemas/tables';
import type { AvroCodec } from '../../schemas/avro-codec';
import { startSinkConsumers } from '../../sink-kit/sink-consumers';
import { connectSinkInputs, type SinkTarget } from '../../sink-kit/sink-inputs';
import type { DeadLetterWriter } from '../../sink-kit/dead-letter-writer';
import { sendRejected, type RejectedRecord } from '../../sink-kit/decode-batch';
import { decodeAndWrite } from '../../sink-kit/write-separating-unwritable';
import { databaseError } from '../../lib/pg-error-class';
import { runMigrations, type MigrateResult } from './migrate';
import { parseTimescaleSinkOptions, type TimescaleSinkOptions } from './options';
import { createSinkMetrics, type SinkMetrics } from '../../sink-kit/sink-metrics';
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

  const seriesCache = new SeriesCache(options.lastSeenGranularity);
  const rollupWindows = new Map(options.resolutions.map((r) => [r, new RollupWindowCache()]));

  const consumer = await startSinkConsumers({
    ...options, // the consumer loop's options (sink-kit/sink-options.ts)
    kafka,
    targets,
    logger,
    metrics,
    write: (batch) => writeBatch(batch, targets.get(batch.topic)!, { pool, options, deadLetters, metrics, seriesCache, rollupWindows }),
  });
  opened.add('kafka consumer', () => consumer.stop());
  logger.info({ event: 'timescale_sink_consuming', topics: [...targets.keys()], schema: options.schema, writeMethod: options.writeMethod }, 'consuming');

  return {
    metrics: metrics.registry,
    ready: () => consumer.ready(),
    readiness: () => consumer.readiness(),
    failed: consumer.failed,
    stop: () => opened.close(),
  };
}

type WriteDeps = { pool: Pool; options: TimescaleSinkOptions; deadLetters: DeadLetterWriter; metrics: SinkMetrics; seriesCache: SeriesCache; rollupWindows: Map<string, RollupWindowCache> };

/** A Kafka batch into its tables, but for the records PostgreSQL refuses for their data, which are dead-lettered. */
async function writeBatch(batch: Batch, target: SinkTarget, deps: WriteDeps): Promise<void> {
  const { schema, writeMethod } = deps.options;
  // two calls, one per record type, so each keeps its type (this sink takes no downlink topic)
  if (target.kind === 'downlink') throw new Error(`the timescale-sink does not consume ${batch.topic}`);
  const rejected = target.kind === 'measurements'
    ? await writeRecords(batch, target.codec, 'measurements', deps, (client, values) => writeMeasurements(client, schema, values, writeMethod, deps.seriesCache))
    : await writeRecords(batch, target.codec, rollupTable(target.resolution), deps, (client, values) => writeRollups(client, schema, target.resolution, values, deps.rollupWindows.get(target.resolution)));
  await sendRejected(rejected, deps.deadLetters, deps.metrics);
}

/** Writes a batch's values in one transaction (more if some are unwritable); returns the records to dead-letter. */
async function writeRecords<T>(
  batch: Batch, codec: AvroCodec<T>, table: string, deps: WriteDeps,
  write: (client: PoolClient, values: T[]) => Promise<{ rows: number; committed(): void }>,
): Promise<RejectedRecord[]> {
  return decodeAndWrite(batch, codec, async (values) => {
    const written = await inTransaction(deps.pool, `writing ${values.length} records of ${batch.topic}`, (client) => write(client, values));
    written.committed();
    deps.metrics.rowsWritten.inc({ target: table }, written.rows);
  });
}

/** Runs `write` in a transaction on a pooled connection; errors are classified by SQLSTATE (lib/pg-error-class.ts). */
async function inTransaction<R>(pool: Pool, doing: string, write: (client: PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect().catch((error: unknown) => {
    throw databaseError(error, doing);
  });
  let broken = false;
  // a checked-out client has no pool listener: without this, a server restart between two
  // statements is an unhandled 'error' event that ends the process; the next statement fails instead
  const onConnectionError = (): void => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('begin');
    const result = await write(client);
    await client.query('commit');
    return result;
  } catch (error) {
    broken = true;
    await client.query('rollback').catch(() => undefined);
    throw databaseError(error, doing);
  } finally {
    client.off('error', onConnectionError);
    // a connection that failed mid-transaction is discarded, not reused (writer.ts keeps a temp table per connection)
    client.release(broken);
  }
}
