/**
 * The migrations with TimescaleDB really present: PGlite (PostgreSQL 17 in
 * WASM) with the TimescaleDB 2.23 extension (see test/pglite-timescaledb.ts for
 * why it runs in a child process). The live sink path runs against the PostgreSQL server.
 */
import { startTimescaleLite, type TimescaleLite } from '../../test/pglite-timescaledb';
import { componentLogger } from '../../lib/logger';
import { runMigrations, type SqlConnection } from './migrate';
import { parseTimescaleSinkOptions } from './options';
import { measurementColumns, rollupColumns } from './rows';
import { copyMeasurementsSql, copyRollupStageSql, createRollupStageSql, insertMeasurementsSql, upsertRollupsFromStageSql } from './upserts';
import { measurementCopyData, rollupCopyData } from './writer';
import type { Measurement, Rollup } from '../../schemas/types';

/** PGlite reads COPY data from '/dev/blob' where the server reads it from the client. */
const fromBlob = (sql: string) => sql.replace('from stdin', "from '/dev/blob'");

const timescaleOptions = parseTimescaleSinkOptions({}).timescale;
const logger = componentLogger('timescaledb-test');

describe('migrations with TimescaleDB (PGlite)', () => {
  let db: TimescaleLite;
  const sql: SqlConnection = { query: (text, params) => db.query(text, params) };

  beforeAll(async () => {
    db = await startTimescaleLite();
  }, 120_000);

  it('creates hypertables with compression and retention policies, and applies nothing twice', async () => {
    const first = await runMigrations(sql, { schema: 'fleet', resolutions: ['1m', '1h', '1d'], timescaleOptions }, logger);
    expect(first.timescale).toBe(true);
    expect(first.applied).toContain('0004_timescaledb_measurements');

    const hypertables = await db.query(
      `select hypertable_name, compression_enabled from timescaledb_information.hypertables where hypertable_schema = 'fleet' order by 1`);
    expect(hypertables.rows).toEqual([
      { hypertable_name: 'measurements', compression_enabled: true },
      { hypertable_name: 'rollups_1d', compression_enabled: true },
      { hypertable_name: 'rollups_1h', compression_enabled: true },
      { hypertable_name: 'rollups_1m', compression_enabled: true },
    ]);
    const segments = await db.query(
      `select attname, segmentby_column_index, orderby_column_index from timescaledb_information.compression_settings
       where hypertable_schema = 'fleet' and hypertable_name = 'measurements' order by attname`);
    expect(segments.rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ attname: 'path', segmentby_column_index: 1 }),
      expect.objectContaining({ attname: 'time', orderby_column_index: 1 }),
    ]));
    const jobs = await db.query(
      `select proc_name, hypertable_name from timescaledb_information.jobs where hypertable_schema = 'fleet' order by 2, 1`);
    expect(jobs.rows).toEqual([
      { proc_name: 'policy_compression', hypertable_name: 'measurements' },
      { proc_name: 'policy_retention', hypertable_name: 'measurements' },
      { proc_name: 'policy_compression', hypertable_name: 'rollups_1d' },
      { proc_name: 'policy_compression', hypertable_name: 'rollups_1h' },
      { proc_name: 'policy_compression', hypertable_name: 'rollups_1m' },
      { proc_name: 'policy_retention', hypertable_name: 'rollups_1m' },
    ]);

    const again = await runMigrations(sql, { schema: 'fleet', resolutions: ['1m', '1h', '1d'], timescaleOptions }, logger);
    expect(again.applied).toEqual([]);
    expect((await db.query(`select 1 from timescaledb_information.jobs where hypertable_schema = 'fleet'`)).rows).toHaveLength(6);
  });

  it('takes the sink\'s upserts and answers time_bucket resolution queries', async () => {
    const t0 = Date.UTC(2024, 0, 1);
    const reading = (time: number, value: number): Measurement => ({
      path: '/a/s/d/kwh', tenant: 'a', site: 's', device: 'd', metric: 'kwh', kind: 'energy', timestamp: time, value, unit: 'kWh', tags: {}, receivedAt: time, sourceTopic: null });
    const readings = [reading(t0, 1), reading(t0 + 30_000, 2), reading(t0 + 60_000, 3), reading(t0 + 90_000, 4)];
    await db.copyFrom(fromBlob(copyMeasurementsSql('fleet')), measurementCopyData(measurementColumns(readings)));
    const replay = measurementColumns(readings.map((m) => ({ ...m, value: 9 })));
    await db.query(insertMeasurementsSql('fleet'), [replay.path, replay.time, replay.value, replay.receivedAt]); // a replay changes nothing
    const buckets = await db.query(
      `select time_bucket('1 minute', time) as bucket, count(*)::int as n, sum(value) as total from fleet.measurements group by 1 order by 1`);
    expect(buckets.rows.map((r) => [Date.parse(String(r.bucket)), r.n, r.total])).toEqual([[t0, 2, 3], [t0 + 60_000, 2, 7]]);

    const rollup = (revision: number, sum: number): Rollup => ({
      path: '/a/s/d/kwh', tenant: 'a', site: 's', device: 'd', metric: 'kwh', kind: 'energy', resolution: '1m', windowStart: t0, windowEnd: t0 + 60_000,
      count: 2, sum, min: 1, max: 2, first: 1, firstTime: t0, last: 2, lastTime: t0, delta: 1, resets: 0, final: false, revision, computedAt: t0 });
    const upsert = async (r: Rollup) => {
      await db.query('begin');
      await db.query(createRollupStageSql());
      await db.copyFrom(fromBlob(copyRollupStageSql()), rollupCopyData(rollupColumns([r])));
      await db.query(upsertRollupsFromStageSql('fleet', '1m'));
      await db.query('commit');
    };
    await upsert(rollup(5, 3));
    await upsert(rollup(4, 99)); // an older revision never replaces a newer one
    const hourly = await db.query(
      `select time_bucket('1 hour', bucket) as bucket, sum(sum) as total, max(revision)::text as revision from fleet.rollups_1m group by 1`);
    expect(hourly.rows.map((r) => [Date.parse(String(r.bucket)), r.total, r.revision])).toEqual([[t0, 3, '5']]);
  });
});
