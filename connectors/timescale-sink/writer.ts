import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Measurement, Rollup } from '../../schemas/types';
import { encodeBinaryCopy } from './binary-copy';
import { measurementColumns, rollupColumns, seriesColumns, splitRollupColumns, type MeasurementColumns, type RollupColumns, type SeriesColumns } from './rows';
import type { RollupWindowCache } from './rollup-window-cache';
import type { SeriesCache } from './series-cache';
import { copyMeasurementsSql, copyRollupsSql, copyRollupStageSql, createRollupStageSql, insertMeasurementsSql, upsertRollupsFromStageSql, upsertSeriesSql } from './upserts';

export type WriteMethod = 'unnest' | 'copy';

export interface MeasurementsWritten {
  /** Raw rows inserted (a replayed reading is not counted). */
  rows: number;
  /** Call once the transaction committed: records the catalogue rows it wrote. */
  committed(): void;
}

/** PostgreSQL's unique_violation: a COPY met a row that is already stored. */
const uniqueViolation = '23505';

/**
 * Writes raw readings and their catalogue rows; the caller holds the transaction.
 * `copy` sends the rows with binary COPY straight into the table, inside a
 * savepoint; when a row is already stored (a replay after a crash), it rolls
 * back to the savepoint and inserts with `on conflict do nothing` instead.
 * `unnest` always takes that second path.
 */
export async function writeMeasurements(
  client: PoolClient, schema: string, measurements: readonly Measurement[], method: WriteMethod, seriesCache?: SeriesCache,
): Promise<MeasurementsWritten> {
  const columns = measurementColumns(measurements);
  const series = seriesCache ? seriesCache.pending(seriesColumns(measurements)) : seriesColumns(measurements);
  if (series.path.length > 0) await upsertSeries(client, schema, series);
  const rows = method === 'copy' ? await copyMeasurements(client, schema, columns) : await insertMeasurements(client, schema, columns);
  return { rows, committed: () => seriesCache?.committed(series) };
}

async function upsertSeries(client: PoolClient, schema: string, s: SeriesColumns): Promise<void> {
  await client.query(upsertSeriesSql(schema), [s.path, s.tenant, s.site, s.device, s.metric, s.kind, s.unit, s.firstSeen, s.lastSeen]);
}

async function insertMeasurements(client: PoolClient, schema: string, c: MeasurementColumns): Promise<number> {
  const result = await client.query(insertMeasurementsSql(schema), [c.path, c.time, c.value, c.receivedAt]);
  return result.rowCount ?? 0;
}

/** Raw rows as binary COPY data, in the column order of `copyMeasurementsSql`. */
export function measurementCopyData(c: MeasurementColumns): Buffer {
  return encodeBinaryCopy([
    { type: 'text', values: c.path }, { type: 'timestamptz', values: c.time }, { type: 'float8', values: c.value }, { type: 'timestamptz', values: c.receivedAt },
  ]);
}

async function copyMeasurements(client: PoolClient, schema: string, c: MeasurementColumns): Promise<number> {
  if (await copyUnlessStored(client, copyMeasurementsSql(schema), measurementCopyData(c))) return c.path.length;
  return insertMeasurements(client, schema, c);
}

/**
 * Binary COPY inside a savepoint. Returns false, with the savepoint rolled back
 * and the transaction usable, when a row is already stored (unique_violation);
 * the caller then writes the rows another way.
 */
async function copyUnlessStored(client: PoolClient, sql: string, data: Buffer): Promise<boolean> {
  await client.query('savepoint fleetstream_copy');
  try {
    await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
  } catch (error) {
    if ((error as { code?: string }).code !== uniqueViolation) throw error;
    await client.query('rollback to savepoint fleetstream_copy');
    return false;
  }
  await client.query('release savepoint fleetstream_copy');
  return true;
}

export interface RollupsWritten {
  /** Rows inserted or replaced. */
  rows: number;
  /** Call once the transaction committed: records the windows it wrote. */
  committed(): void;
}

/**
 * Upserts rollups of one resolution, keeping the highest revision; the caller holds the transaction.
 * Rows of windows newer than any this sink committed for their series (a window's first
 * rollup, usually) go by binary COPY straight into the table, which PostgreSQL inserts in
 * page-sized batches; should one be stored already, they join the others. The others go by
 * binary COPY into a stage and one `insert ... on conflict do update` from it.
 */
export async function writeRollups(
  client: PoolClient, schema: string, resolution: string, rollups: readonly Rollup[], windows?: RollupWindowCache,
): Promise<RollupsWritten> {
  const c = rollupColumns(rollups);
  const fresh = windows ? windows.fresh(c) : [];
  let rows = 0;
  let staged = c;
  if (fresh.length > 0) {
    const parts = splitRollupColumns(c, fresh);
    if (await copyUnlessStored(client, copyRollupsSql(schema, resolution), rollupCopyData(parts.selected))) {
      rows += parts.selected.path.length;
      staged = parts.rest;
    }
  }
  if (staged.path.length > 0) rows += await upsertStagedRollups(client, schema, resolution, staged);
  return { rows, committed: () => windows?.committed(c) };
}

/**
 * Connections whose session already holds the rollup stage (a temp table lives as long as its connection).
 * A failed transaction may have rolled its creation back, but the sink discards a connection whose transaction failed.
 */
const stagedOn = new WeakSet<PoolClient>();

async function upsertStagedRollups(client: PoolClient, schema: string, resolution: string, c: RollupColumns): Promise<number> {
  if (!stagedOn.has(client)) {
    await client.query(createRollupStageSql());
    stagedOn.add(client);
  }
  await pipeline(Readable.from([rollupCopyData(c)]), client.query(copyFrom(copyRollupStageSql())));
  const result = await client.query(upsertRollupsFromStageSql(schema, resolution));
  return result.rowCount ?? 0;
}

/** Rollup rows as binary COPY data, in the column order of `copyRollupStageSql`. */
export function rollupCopyData(c: RollupColumns): Buffer {
  return encodeBinaryCopy([
    { type: 'text', values: c.path }, { type: 'timestamptz', values: c.bucket }, { type: 'timestamptz', values: c.bucketEnd }, { type: 'text', values: c.kind },
    { type: 'int8', values: c.count }, { type: 'float8', values: c.sum }, { type: 'float8', values: c.min }, { type: 'float8', values: c.max },
    { type: 'float8', values: c.first }, { type: 'timestamptz', values: c.firstTime }, { type: 'float8', values: c.last },
    { type: 'timestamptz', values: c.lastTime }, { type: 'float8', values: c.delta }, { type: 'int4', values: c.resets }, { type: 'bool', values: c.final },
    { type: 'int8', values: c.revision }, { type: 'timestamptz', values: c.computedAt },
  ]);
}
