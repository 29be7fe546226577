import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Measurement, Rollup } from '../../schemas/types';
import { measurementColumns, measurementCopyText, rollupColumns, seriesColumns } from './rows';
import {
  copyMeasurementStageSql, createMeasurementStageSql, insertFromMeasurementStageSql, insertMeasurementsSql, upsertRollupsSql, upsertSeriesSql,
} from './upserts';

export type WriteMethod = 'unnest' | 'copy';

/** Writes raw readings and their catalogue rows; the caller holds the transaction. Returns rows inserted. */
export async function writeMeasurements(client: PoolClient, schema: string, measurements: readonly Measurement[], method: WriteMethod): Promise<number> {
  const columns = measurementColumns(measurements);
  const series = seriesColumns(measurements);
  await client.query(upsertSeriesSql(schema), [
    series.path, series.tenant, series.site, series.device, series.metric, series.kind, series.unit, series.firstSeen, series.lastSeen,
  ]);
  if (method === 'unnest') {
    const result = await client.query(insertMeasurementsSql(schema), [columns.path, columns.time, columns.value, columns.receivedAt]);
    return result.rowCount ?? 0;
  }
  await client.query(createMeasurementStageSql());
  await pipeline(Readable.from([measurementCopyText(columns)]), client.query(copyFrom(copyMeasurementStageSql())));
  const result = await client.query(insertFromMeasurementStageSql(schema));
  return result.rowCount ?? 0;
}

/** Upserts rollups of one resolution, keeping the highest revision. Returns rows inserted or replaced. */
export async function writeRollups(client: PoolClient, schema: string, resolution: string, rollups: readonly Rollup[]): Promise<number> {
  const c = rollupColumns(rollups);
  const result = await client.query(upsertRollupsSql(schema, resolution), [
    c.path, c.bucket, c.bucketEnd, c.kind, c.count, c.sum, c.min, c.max, c.first, c.firstTime, c.last, c.lastTime, c.delta, c.resets, c.final,
    c.revision, c.computedAt,
  ]);
  return result.rowCount ?? 0;
}
